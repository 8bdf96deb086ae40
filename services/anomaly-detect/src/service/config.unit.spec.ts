import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@self-healing/shared';
import { HOUR_SCALE_DETECTOR_OPTIONS } from '../performance/index.js';
import { anomalyDetectSettings, detectorsOfServices, loadAnomalyDetectConfig } from './config.js';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  MONGODB_URI: 'mongodb://127.0.0.1:27017/',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAnomalyDetectConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('anomaly-detect configuration: PERFORMANCE_DETECTOR', () => {
  const detector = (value?: string) =>
    loadAnomalyDetectConfig({ ...base, ...(value === undefined ? {} : { PERFORMANCE_DETECTOR: value }) })
      .PERFORMANCE_DETECTOR;

  it('takes a preset by name: hour-scale is the demo time scales, default (and unset) the detector defaults', () => {
    expect(detector('hour-scale')).toEqual(HOUR_SCALE_DETECTOR_OPTIONS);
    expect(detector('default')).toEqual({});
    expect(detector()).toEqual({});
  });

  it('still takes detector options as JSON', () => {
    expect(detector('{"minHistoryMs":3600000,"levelMs":300000}')).toEqual({
      minHistoryMs: 3_600_000,
      levelMs: 300_000,
    });
  });

  it('names the presets it knows when given another name or broken JSON', () => {
    expect(problemsOf({ PERFORMANCE_DETECTOR: 'short-window' })).toEqual([
      'PERFORMANCE_DETECTOR: unknown detector preset "short-window" (known: default, hour-scale, minute-scale)',
    ]);
    expect(problemsOf({ PERFORMANCE_DETECTOR: '{"minHistoryMs":' })).toEqual([
      expect.stringMatching(
        /^PERFORMANCE_DETECTOR: a preset \(default, hour-scale, minute-scale\) or a JSON object/,
      ),
    ]);
    // A name of Object.prototype is no preset.
    expect(problemsOf({ PERFORMANCE_DETECTOR: 'toString' })).toHaveLength(1);
  });

  it('without a catalogue, every service uses PERFORMANCE_DETECTOR', () => {
    const settings = anomalyDetectSettings(
      loadAnomalyDetectConfig({ ...base, PERFORMANCE_DETECTOR: 'hour-scale' }),
    );
    expect(settings.performanceDetector).toEqual(HOUR_SCALE_DETECTOR_OPTIONS);
    expect(settings.performanceDetectorByService).toEqual({});
  });
});

describe('anomaly-detect configuration: detection presets of catalogue services', () => {
  it('reads the shipped sample catalogue: checkout is watched at the hour scale', () => {
    const sample = join(dirname(fileURLToPath(import.meta.url)), '../../../target/catalogue/sample.yaml');
    const settings = anomalyDetectSettings(loadAnomalyDetectConfig({ ...base, CATALOGUE: sample }));
    expect(settings.performanceDetectorByService).toEqual({ checkout: HOUR_SCALE_DETECTOR_OPTIONS });
    expect(settings.performanceDetector).toEqual({});
  });

  it("gives each service its preset's options", () => {
    const entry = (preset: string) => ({ detection: { preset } }) as never;
    expect(
      detectorsOfServices({
        version: 1,
        services: { checkout: entry('hour-scale'), ledger: entry('default') },
      }),
    ).toEqual({ checkout: HOUR_SCALE_DETECTOR_OPTIONS, ledger: {} });
    expect(detectorsOfServices(null)).toEqual({});
  });
});
