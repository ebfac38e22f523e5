// Short-lived messages in the corner: outcomes of actions and errors.

import { untrack } from 'svelte';

export interface Toast {
  readonly id: number;
  readonly kind: 'info' | 'ok' | 'error';
  readonly text: string;
}

class Toasts {
  list = $state<Toast[]>([]);
  private next = 1;

  /** Shows a toast. Callable from an effect: it does not make the effect depend on the list it changes. */
  show(text: string, kind: Toast['kind'] = 'info', ms = 5000): void {
    const toast = { id: this.next++, kind, text };
    this.list = [...untrack(() => this.list).slice(-3), toast];
    setTimeout(() => this.dismiss(toast.id), ms);
  }

  dismiss(id: number): void {
    this.list = this.list.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
