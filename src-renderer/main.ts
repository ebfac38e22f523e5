// Renderer entry: picks the transport to console main, builds the app state, follows main's
// `navigate` events (open a request) and mounts the app.

import { mount } from 'svelte';
import App from './App.svelte';
import { followNavigate } from './lib/navigate';
import { pickTransport } from './lib/transport';
import { ConsoleState } from './state/console.svelte';
import { router } from './state/router.svelte';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

const transport = pickTransport(window);
const state = new ConsoleState(transport.api, transport.kind);
void state.init();
followNavigate(transport.api, router);

mount(App, { target, props: { transport, consoleState: state } });
