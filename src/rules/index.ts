import type { Rule } from './define-rule.js';
import channelFieldLeak from './channel-field-leak/index.js';
import contextCancelLeak from './context-cancel-leak/index.js';
import doneSignalMissed from './done-signal-missed/index.js';
import globalPointerRetained from './global-pointer-retained/index.js';
import globalUnboundedCache from './global-unbounded-cache/index.js';
import goroutineNoExit from './goroutine-no-exit/index.js';
import ignoreDirectiveInvalid from './ignore-directive-invalid/index.js';
import ignoreDirectiveUnused from './ignore-directive-unused/index.js';
import mapClearLoop from './map-clear-loop/index.js';
import pointerSliceStaleElement from './pointer-slice-stale-element/index.js';
import rangeUnclosedChannel from './range-unclosed-channel/index.js';
import smallStructPointer from './small-struct-pointer/index.js';
import stopFuncDiscarded from './stop-func-discarded/index.js';
import subsliceRetainsBackingArray from './subslice-retains-backing-array/index.js';
import tickerNotStopped from './ticker-not-stopped/index.js';
import timeAfterInLoop from './time-after-in-loop/index.js';
import timerDrainBlocks from './timer-drain-blocks/index.js';
import timeTickLeak from './time-tick-leak/index.js';
import unbufferedSendLeak from './unbuffered-send-leak/index.js';

/** Every rule, sorted by id. The meta-test checks this list against the rule folders. */
export const RULES: readonly Rule[] = [
  channelFieldLeak,
  contextCancelLeak,
  doneSignalMissed,
  globalPointerRetained,
  globalUnboundedCache,
  goroutineNoExit,
  ignoreDirectiveInvalid,
  ignoreDirectiveUnused,
  mapClearLoop,
  pointerSliceStaleElement,
  rangeUnclosedChannel,
  smallStructPointer,
  stopFuncDiscarded,
  subsliceRetainsBackingArray,
  tickerNotStopped,
  timeAfterInLoop,
  timeTickLeak,
  timerDrainBlocks,
  unbufferedSendLeak,
];

/** Looks a rule up by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/** The ids of all rules. */
export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
