import { describe, expect, it } from 'vitest';
import { goFixed, goFloatV, goParseFloat, humanizeBytes, parseBytes } from './goFormat';

describe('parseBytes (go-humanize v1.0.1 ParseBytes)', () => {
  it.each([
    ['20MB', 20_000_000],
    ['20M', 20_000_000],
    ['20 mb', 20_000_000],
    ['20MiB', 20 * 1024 * 1024],
    ['20mi', 20 * 1024 * 1024],
    ['1.5 GiB', 1_610_612_736],
    ['1.5GB', 1_500_000_000],
    ['50kB', 50_000],
    ['50KiB', 51_200],
    ['1B', 1],
    ['1024', 1024],
    ['1,000 kB', 1_000_000],
    ['0.5B', 0],
    ['.5k', 500],
    ['1.', 1],
    ['2 TB', 2e12],
    ['1 EiB', 2 ** 60],
  ])('%s = %d bytes', (input, bytes) => {
    expect(parseBytes(input)).toEqual({ ok: true, value: bytes });
  });

  it.each([
    ['disabled', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['MB', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['-1BB', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['1BB', 'unhandled size name: bb'],
    ['20 parsecs', 'unhandled size name: parsecs'],
    ['1.2.3MB', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['20000 EB', 'too large: 20000 EB'],
  ])('%s is refused as dive refuses it', (input, error) => {
    expect(parseBytes(input)).toEqual({ ok: false, error });
  });
});

describe('goParseFloat (strconv.ParseFloat)', () => {
  it('accepts what Go accepts', () => {
    expect(goParseFloat('0.9')).toEqual({ ok: true, value: 0.9 });
    expect(goParseFloat('.5')).toEqual({ ok: true, value: 0.5 });
    expect(goParseFloat('1e-1')).toEqual({ ok: true, value: 0.1 });
    expect(goParseFloat('+1')).toEqual({ ok: true, value: 1 });
    expect(goParseFloat('0x1p-2')).toEqual({ ok: true, value: 0.25 });
    expect(goParseFloat('Inf')).toEqual({ ok: true, value: Infinity });
    const nan = goParseFloat('NaN');
    expect(nan.ok && Number.isNaN(nan.value)).toBe(true);
  });

  it('refuses what Go refuses, with its words', () => {
    expect(goParseFloat('')).toEqual({ ok: false, error: 'strconv.ParseFloat: parsing "": invalid syntax' });
    expect(goParseFloat(' 0.9')).toEqual({ ok: false, error: 'strconv.ParseFloat: parsing " 0.9": invalid syntax' });
    expect(goParseFloat('90%')).toEqual({ ok: false, error: 'strconv.ParseFloat: parsing "90%": invalid syntax' });
    expect(goParseFloat('0x10')).toEqual({ ok: false, error: 'strconv.ParseFloat: parsing "0x10": invalid syntax' });
    expect(goParseFloat('1e400')).toEqual({ ok: false, error: 'strconv.ParseFloat: parsing "1e400": value out of range' });
  });
});

describe('humanizeBytes (go-humanize v1.0.1 Bytes)', () => {
  it.each([
    [0, '0 B'],
    [9, '9 B'],
    [10, '10 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1049, '1.0 kB'],
    [1050, '1.1 kB'],
    [12_500, '12 kB'], // %.0f rounds the exact tie 12.5 to even
    [13_500, '14 kB'],
    [32_025, '32 kB'],
    [1_220_598, '1.2 MB'],
    [82_854_982, '83 MB'],
    [9_960_000, '10 MB'],
  ])('%d → %s', (bytes, text) => {
    expect(humanizeBytes(bytes)).toBe(text);
  });
});

describe('Go number formatting', () => {
  it('goFixed is %.nf: exact value, ties to even', () => {
    expect(goFixed(2.5, 0)).toBe('2');
    expect(goFixed(3.5, 0)).toBe('4');
    expect(goFixed(0.125, 2)).toBe('0.12');
    expect(goFixed(0.375, 2)).toBe('0.38');
    expect(goFixed(1.005, 2)).toBe('1.00'); // 1.005 is 1.00499999999999989… in binary
    expect(goFixed(98.44212134184309, 4)).toBe('98.4421');
    expect(goFixed(48.34911001404049, 4)).toBe('48.3491');
    expect(goFixed(0, 4)).toBe('0.0000');
    expect(goFixed(100, 4)).toBe('100.0000');
    expect(goFixed(-0.001, 2)).toBe('-0.00');
  });

  it('goFloatV is %v of a float64', () => {
    expect(goFloatV(0.9844212134184309)).toBe('0.9844212134184309');
    expect(goFloatV(0.9)).toBe('0.9');
    expect(goFloatV(1)).toBe('1');
    expect(goFloatV(0)).toBe('0');
    expect(goFloatV(0.0001)).toBe('0.0001');
    expect(goFloatV(0.00001)).toBe('1e-05');
    expect(goFloatV(100000)).toBe('100000');
    expect(goFloatV(1234567)).toBe('1.234567e+06');
    expect(goFloatV(1e21)).toBe('1e+21');
    expect(goFloatV(NaN)).toBe('NaN');
    expect(goFloatV(Infinity)).toBe('+Inf');
  });
});
