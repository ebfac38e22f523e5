// Vite's client types for the renderer: asset and CSS imports, import.meta.env.
/// <reference types="vite/client" />
