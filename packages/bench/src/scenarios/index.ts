import type { ScenarioName } from '../options.js';
import { chat } from './chat.js';
import type { Scenario } from './context.js';
import { group } from './group.js';
import { mixScenario } from './mix.js';
import { online } from './online.js';
import { reference } from './reference.js';
import { soak } from './soak.js';
import { storm } from './storm.js';
import { suite } from './suite.js';

/** Every scenario the tool runs. */
export const SCENARIO_RUNNERS: Record<ScenarioName, Scenario> = {
  online,
  storm,
  chat,
  group,
  reference,
  soak,
  suite,
  realistic: mixScenario,
  pairs: mixScenario,
};
