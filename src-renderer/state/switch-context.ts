// The operator switches context: it becomes the current one, and a request page (which belongs
// to the context it was opened in) gives way to the new context's requests.

import type { ConsoleState } from './console.svelte';
import { router } from './router.svelte';

export function switchContext(app: ConsoleState, name: string): void {
  app.switchTo(name);
  if (router.route.name === 'request') router.go({ name: 'requests' });
}
