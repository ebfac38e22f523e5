// One row element of the requests list (RequestsView), built once and rewritten in place by hand:
// a scroll moves a row (moveTo) or gives it another request, and only the text and attributes
// that differ are written. Svelte's template effects would do the same work for every new row of
// every frame of a fling, at a higher script cost per frame (the list's scroll figures:
// docs/benchmarks.md).
// The markup and test ids are the list's; its CSS lives in RequestsView.svelte (:global rules
// under .table, as these elements are not Svelte's).

import { failureLine, type RequestRecord } from '../../src-main/shared/console-model';
import { requestRoute, routeHash } from '../lib/routes';
import { formatAbsolute, formatDuration, formatRelative, timeMs } from '../lib/time';
import { requestRunMs, runsNow, stateLook } from '../lib/states';

/** What a row shows besides its record. */
export interface RowContext {
  selectedId: string | null;
  isChecked(id: string): boolean;
  now: number;
  /** Whether a type or user fits its cell without clipping. */
  fitsType(type: string): boolean;
  fitsUser(user: string): boolean;
}

const MARKUP =
  '<input class="c-check" type="checkbox">' +
  '<span class="c-state"><span class="state-badge" data-testid="state-badge"></span></span>' +
  '<span class="c-id"><a class="mono" data-testid="request-link"></a></span>' +
  '<span class="c-type"><span class="c-type-name" data-testid="request-type"></span></span>' +
  '<span class="c-user muted"></span>' +
  '<time class="c-created muted num"></time>' +
  '<span class="c-dur num"></span>' +
  '<span class="c-progress num" data-testid="progress"></span>';

let template: HTMLTemplateElement | null = null;

function text(parent: Element): Text {
  return parent.appendChild(document.createTextNode(''));
}

export class RequestRow {
  readonly el: HTMLDivElement;
  /** The row this element shows, -1 for none (hidden). */
  index = -1;
  /** The last record it was given: kept (hidden) while `pending`. */
  record: RequestRecord | null = null;
  /** Its row's page is on its way: the cells keep their layout behind a placeholder bar. */
  pending = true;

  private readonly check: HTMLInputElement;
  private readonly badge: HTMLSpanElement;
  private readonly badgeText: Text;
  private readonly idCell: HTMLSpanElement;
  private readonly link: HTMLAnchorElement;
  private readonly linkText: Text;
  private readonly typeCell: HTMLSpanElement;
  private readonly type: HTMLSpanElement;
  private readonly typeText: Text;
  /** Why a failed request failed, under its type (made when first needed). */
  private why: HTMLSpanElement | null = null;
  private whyText: Text | null = null;
  private readonly user: HTMLSpanElement;
  private readonly userText: Text;
  private readonly time: HTMLTimeElement;
  private readonly timeText: Text;
  private readonly dur: HTMLSpanElement;
  private readonly durText: Text;
  private readonly progress: HTMLSpanElement;
  private readonly progressText: Text;
  private tag: HTMLSpanElement | null = null;
  private watch: HTMLSpanElement | null = null;
  /** What was last written, attribute by attribute: compared, never read back from the DOM. */
  private readonly shown = new Map<string, string | boolean | null>();

  constructor() {
    if (!template) {
      template = document.createElement('template');
      template.innerHTML = MARKUP;
    }
    this.el = document.createElement('div');
    this.el.className = 'row pending';
    this.el.setAttribute('role', 'row');
    this.el.tabIndex = -1;
    this.el.dataset.testid = 'request-row';
    this.el.style.display = 'none';
    this.el.append(template.content.cloneNode(true));
    const [check, state, id, type, user, time, dur, progress] = this.el.children as unknown as HTMLElement[];
    this.check = check as HTMLInputElement;
    this.badge = state?.firstElementChild as HTMLSpanElement;
    this.badgeText = text(this.badge);
    this.idCell = id as HTMLSpanElement;
    this.link = this.idCell.firstElementChild as HTMLAnchorElement;
    this.linkText = text(this.link);
    this.typeCell = type as HTMLSpanElement;
    this.type = this.typeCell.firstElementChild as HTMLSpanElement;
    this.typeText = text(this.type);
    this.user = user as HTMLSpanElement;
    this.userText = text(this.user);
    this.time = time as HTMLTimeElement;
    this.timeText = text(this.time);
    this.dur = dur as HTMLSpanElement;
    this.durText = text(this.dur);
    this.progress = progress as HTMLSpanElement;
    this.progressText = text(this.progress);
  }

  /** The record shown and clickable now (null while pending or empty). */
  get current(): RequestRecord | null {
    return this.pending ? null : this.record;
  }

  /** Puts the row `y` px below the top of the list's window (a transform: no layout). */
  moveTo(y: number): void {
    this.set('y', y, (v) => (this.el.style.transform = `translateY(${v}px)`));
  }

  /** Writes what differs from the last render. */
  render(ctx: RowContext): void {
    const r = this.record;
    const shown = r !== null && !this.pending;
    const selected = shown && r.id === ctx.selectedId;
    this.set('display', this.index < 0, (v) => (this.el.style.display = v ? 'none' : ''));
    // A row off screen names no request: only the row showing one carries its id.
    this.attr('id', this.el, 'data-id', shown && this.index >= 0 ? r.id : null);
    if (this.index < 0) return;
    this.set('pending', !shown, (v) => {
      this.el.classList.toggle('pending', v);
      this.el.setAttribute('aria-busy', String(v));
    });
    this.set('selected', selected, (v) => {
      this.el.classList.toggle('selected', v);
      this.el.setAttribute('aria-selected', String(v));
    });
    this.set('checked', r !== null && ctx.isChecked(r.id), (v) => (this.check.checked = v));
    this.attr('label', this.check, 'aria-label', r ? `Select ${r.id}` : null);
    if (!r) return;
    // A hidden (pending) row keeps drawing its last record: nothing below changes until the
    // record does, or the clock for the times.
    const look = stateLook(r.state);
    this.set('look', look.key, (v) => {
      this.badge.className = `state-badge st-${v}`;
      this.progress.className = `c-progress num st-${v}`;
    });
    this.attr('state', this.badge, 'data-state', look.label);
    this.attr('glyph', this.badge, 'data-glyph', look.glyph);
    this.data(this.badgeText, look.label);
    this.attr('href', this.link, 'href', routeHash(requestRoute(r.context, r.id)));
    this.data(this.linkText, r.id.slice(0, 12));
    this.set('imported', r.origin === 'imported', (v) => {
      this.tag = this.marker(this.tag, v, 'tag', 'Imported from a file: read-only', 'imported');
    });
    this.set('watched', r.watched, (v) => {
      this.watch = this.marker(this.watch, v, 'watch', 'Watched: you are notified when it changes state', '●');
    });
    this.data(this.typeText, r.type);
    this.set('clipType', !ctx.fitsType(r.type), (v) => this.type.classList.toggle('clip', v));
    this.set('why', r.failure ? failureLine(r.failure) : null, (v) => this.showWhy(v));
    this.data(this.userText, r.user);
    this.set('clipUser', !ctx.fitsUser(r.user), (v) => this.user.classList.toggle('clip', v));
    const created = timeMs(r.createdAt);
    if (this.set('created', created, () => {})) {
      this.attr('datetime', this.time, 'datetime', created === null ? null : new Date(created).toISOString());
      this.attr('timeTitle', this.time, 'title', formatAbsolute(created));
    }
    this.data(this.timeText, formatRelative(created, ctx.now));
    this.set('live', runsNow(r.state), (v) => this.dur.classList.toggle('live', v));
    this.data(this.durText, formatDuration(requestRunMs(r, ctx.now)));
    const pct = r.totalJobs > 0 ? Math.min(100, (r.finishedJobs / r.totalJobs) * 100) : 0;
    this.set('pct', pct, (v) => this.progress.style.setProperty('--p', `${v}%`));
    this.attr('progressTitle', this.progress, 'title', `${r.finishedJobs} of ${r.totalJobs} jobs finished`);
    this.data(this.progressText, `${r.finishedJobs}/${r.totalJobs}`);
  }

  /** Shows (or hides) why the request failed, in a line under its type. */
  private showWhy(line: string | null): void {
    this.el.classList.toggle('failed', line !== null);
    if (line === null) {
      if (this.why) this.why.style.display = 'none';
      return;
    }
    if (!this.why || !this.whyText) {
      this.why = this.typeCell.appendChild(document.createElement('span'));
      this.why.className = 'why';
      this.why.dataset.testid = 'request-why';
      this.whyText = text(this.why);
    }
    this.why.style.display = '';
    this.whyText.data = line;
    this.why.title = line;
  }

  /** Calls `write(value)` when `value` differs from the last one under `key`; true if it did. */
  private set<T extends string | number | boolean | null>(key: string, value: T, write: (v: T) => void): boolean {
    if (this.shown.has(key) && this.shown.get(key) === value) return false;
    this.shown.set(key, value as string | boolean | null);
    write(value);
    return true;
  }

  private attr(key: string, el: Element, name: string, value: string | null): void {
    this.set(key, value, (v) => (v === null ? el.removeAttribute(name) : el.setAttribute(name, v)));
  }

  /** A small marker after the id (imported, watched): added when shown, removed when not. */
  private marker(old: HTMLSpanElement | null, show: boolean, className: string, title: string, text: string) {
    old?.remove();
    if (!show) return null;
    const el = this.idCell.appendChild(document.createElement('span'));
    el.className = className;
    el.title = title;
    el.textContent = text;
    return el;
  }

  private data(node: Text, value: string): void {
    if (node.data !== value) node.data = value;
  }
}
