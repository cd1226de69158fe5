import type { ScenarioName } from '../options.js';
import { chat } from './chat.js';
import type { Scenario } from './context.js';
import { online } from './online.js';
import { reference } from './reference.js';
import { soak } from './soak.js';
import { storm } from './storm.js';
import { suite } from './suite.js';

/** Groups do not exist in the server yet: `group` is refused with this message (exit 2). */
export const GROUP_UNSUPPORTED = 'group scenario needs group support (issue: the full IM feature set)';

/** Every scenario the tool runs (group is refused before anything starts). */
export const SCENARIO_RUNNERS: Record<Exclude<ScenarioName, 'group'>, Scenario> = { online, storm, chat, reference, soak, suite };
