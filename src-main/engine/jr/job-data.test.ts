import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../shared/proto';
import { mergeParentData } from './job-data';

describe('mergeParentData', () => {
  it('merges all parents in the given (job-id) order, later keys winning', () => {
    const data: JsonObject[] = [{ a: 1, shared: 'a' }, { b: 2, shared: 'b' }, { c: 3 }];
    expect(mergeParentData([0, 1, 2], data)).toEqual({ a: 1, b: 2, c: 3, shared: 'b' });
  });

  it('copies: the child changing its data does not touch the parent', () => {
    const data: JsonObject[] = [{ a: 1 }];
    const child = mergeParentData([0], data);
    child.a = 2;
    expect(data[0]).toEqual({ a: 1 });
  });

  it('keeps a __proto__ key as data, not as a prototype', () => {
    const parent = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as JsonObject;
    const child = mergeParentData([0], [parent]);
    expect(Object.getPrototypeOf(child)).toBe(Object.prototype);
    expect(Object.keys(child)).toEqual(['__proto__', 'x']);
    expect((child as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
