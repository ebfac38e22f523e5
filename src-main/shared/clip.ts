// Text that came from outside (a request body, a Host header, a server's reply) shown back in
// a message: cut to a readable length, so a 60 MB field never comes back as a 60 MB error.

/** `text` if it has at most `max` characters, else its first `max` and how many were left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
