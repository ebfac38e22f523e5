import { describe, expect, it } from 'vitest';
import { LastLine } from './last-line';

const b = (s: string) => Buffer.from(s);

describe('LastLine: the status text of a running command', () => {
  it('is the last complete line, blank lines skipped, across chunks', () => {
    let now = 0;
    const last = new LastLine(() => now);
    expect(last.text()).toBe('');
    last.see(b('starting\nweb1: drain'));
    expect(last.text()).toBe('starting');
    last.see(b('ing\n\n  \n'));
    expect(last.text()).toBe('web1: draining');
    last.see(b('web2: restar'));
    now += 500;
    expect(last.text()).toBe('web1: draining'); // a line still arriving is not shown at once
    now += 600;
    expect(last.text()).toBe('web2: restar'); // …but is after a second with nothing more
    last.see(b('ted\r\n'));
    expect(last.text()).toBe('web2: restarted');
  });

  it('follows carriage-return progress, strips escapes and control characters, and cuts long lines', () => {
    const last = new LastLine(() => 0);
    last.see(b('copy  10%\rcopy  20%\r'));
    expect(last.text()).toBe('copy  20%');
    last.see(b('\u001b[31mred alert\u001b[0m\tnow\n'));
    expect(last.text()).toBe('red alert now');
    last.see(b(`${'x'.repeat(5000)}\n`));
    expect(last.text()).toHaveLength(200);
    expect(last.text().endsWith('…')).toBe(true);
  });
});
