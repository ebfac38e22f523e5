import { describe, expect, it } from 'vitest';
import { ENV_COLOURS, envColour, envKind, textOn } from './env-colours';

describe('environment colours', () => {
  it('follow the label by convention: production red, staging amber, development green', () => {
    expect(envKind('production')).toBe('production');
    expect(envKind('PROD-east')).toBe('production');
    expect(envKind('staging')).toBe('staging');
    expect(envKind('preprod')).toBe('staging');
    expect(envKind('dev')).toBe('development');
    expect(envKind('embedded')).toBe('development');
    expect(envKind('ops')).toBe('neutral');
    expect(envKind(null)).toBe('neutral');
    const distinct = new Set(Object.values(ENV_COLOURS));
    expect(distinct.size).toBe(4);
  });

  it('keep a colour the operator picked', () => {
    expect(envColour({ envLabel: 'production', envColor: null })).toBe(ENV_COLOURS.production);
    expect(envColour({ envLabel: 'production', envColor: '#123456' })).toBe('#123456');
    expect(envColour(null)).toBe(ENV_COLOURS.neutral);
  });
});

describe('label text on an environment colour', () => {
  it('is white on red, green and grey, dark on amber', () => {
    expect(textOn(ENV_COLOURS.production)).toBe('#fff');
    expect(textOn(ENV_COLOURS.development)).toBe('#fff');
    expect(textOn(ENV_COLOURS.neutral)).toBe('#fff');
    expect(textOn(ENV_COLOURS.staging)).toBe('#1b1f24');
    expect(textOn('#ff0')).toBe('#1b1f24');
  });
});
