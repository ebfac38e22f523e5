// The request page on screen and what the command palette asks of it: its header says which
// request it shows and what can be done to it (the palette offers "Re-run" and "Retry failed"
// for it), and opens the dialog the palette asks for.

export type RequestAction = 'rerun' | 'retry';

export interface OnScreenRequest {
  readonly context: string;
  readonly id: string;
  readonly type: string;
  /** The actions that apply to it now (retry: it ended FAIL, TIMEOUT or STOPPED). */
  readonly actions: readonly RequestAction[];
}

class RequestActions {
  /** The request whose page is on screen, set by its header. */
  onScreen = $state.raw<OnScreenRequest | null>(null);
  /** An action the palette asked for, until that request's header takes it. */
  asked = $state.raw<{ context: string; id: string; action: RequestAction } | null>(null);

  ask(request: OnScreenRequest, action: RequestAction): void {
    this.asked = { context: request.context, id: request.id, action };
  }

  /** The action asked for `context`/`id`, taken (null when none). */
  take(context: string, id: string): RequestAction | null {
    const a = this.asked;
    if (!a || a.context !== context || a.id !== id) return null;
    this.asked = null;
    return a.action;
  }
}

export const requestActions = new RequestActions();
