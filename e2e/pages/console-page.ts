// Page object for the console's single page: header, version panel, status line, plus
// helpers that speak raw frames to the bridge from inside the page (same origin).

import type { Locator, Page } from '@playwright/test';
import type { BridgeInfo } from '../support/web-bridge';

export interface RawReply {
  readonly id: unknown;
  readonly result: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

export class ConsolePage {
  readonly title: Locator;
  readonly transportKind: Locator;
  readonly versionApp: Locator;
  readonly versionProtocol: Locator;
  readonly versionRuntime: Locator;
  readonly versionError: Locator;
  readonly statusEngine: Locator;
  readonly connectionError: Locator;
  readonly statusTime: Locator;

  constructor(
    readonly page: Page,
    readonly bridge: BridgeInfo,
  ) {
    this.title = page.getByTestId('app-title');
    this.transportKind = page.getByTestId('transport-kind');
    this.versionApp = page.getByTestId('version-app');
    this.versionProtocol = page.getByTestId('version-protocol');
    this.versionRuntime = page.getByTestId('version-runtime');
    this.versionError = page.getByTestId('version-error');
    this.statusEngine = page.getByTestId('status-engine');
    this.connectionError = page.getByTestId('connection-error');
    this.statusTime = page.getByTestId('status-time');
  }

  /** Opens the URL printed by the bridge (with the token). */
  async open(): Promise<void> {
    await this.page.goto(this.bridge.url);
  }

  /** Opens the settings dialog, which shows the version panel. */
  async openAbout(): Promise<void> {
    await this.page.getByTestId('open-settings').click();
  }

  /** Opens the console without a token, as someone guessing the port would. */
  async openWithoutToken(): Promise<void> {
    await this.page.goto(`${this.bridge.origin}/`);
  }

  /** The bridge's WebSocket endpoint with the given query string. */
  socketUrl(query: string): string {
    return `${this.bridge.origin.replace(/^http/, 'ws')}/ws${query}`;
  }

  /** Sends one raw text frame over a fresh in-page WebSocket and returns the first reply. */
  async sendRawFrame(text: string): Promise<RawReply> {
    return this.page.evaluate(
      ({ text, url }) =>
        new Promise<RawReply>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onopen = () => ws.send(text);
          ws.onerror = () => reject(new Error('websocket error'));
          ws.onmessage = (message) => {
            const frame = JSON.parse(String(message.data)) as RawReply & { event?: string };
            if (frame.event) return; // skip pushed events
            ws.close();
            resolve(frame);
          };
        }),
      { text, url: this.socketUrl(`?token=${encodeURIComponent(this.bridge.token)}`) },
    );
  }

  /** Tries a WebSocket from the page; resolves 'open' or the close code of the refusal. */
  async tryWebSocket(query: string): Promise<'open' | number> {
    return this.page.evaluate(
      (url) =>
        new Promise<'open' | number>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => {
            ws.close();
            resolve('open');
          };
          ws.onclose = (event) => resolve(event.code);
        }),
      this.socketUrl(query),
    );
  }
}
