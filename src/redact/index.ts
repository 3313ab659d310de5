/**
 * `prodguard/redact`: the detectors of `prodguard scan-logs` as a library, for strings and objects.
 *
 * @example
 * import { redact, createRedactor } from 'prodguard/redact';
 * redact('card 4111 1111 1111 1111 for bob@example.com'); // 'card [REDACTED] for [REDACTED]'
 */
export { createRedactor, redact, DEFAULT_CENSOR, type Censor, type Redactor, type RedactorOptions } from './redactor.js';
export { DETECTORS, DETECTOR_IDS, selectDetectors, isSecretKey, type Detector, type DetectorId, type DetectorSwitches } from './detectors.js';
export { findSecrets, maskSecret, isRedactedValue, type SecretMatch } from './find.js';
export { redactText, redactUrl } from './secrets.js';
