import type { SuiteSpec } from './suite';

/** How large a preset's suite is: `tiny` for tests, `default` fits 30 min on 2 cores, `full` is the paper's. */
export type Scale = 'tiny' | 'default' | 'full';

/** A named suite that `snn compare --preset NAME` builds at a chosen scale. */
export interface Preset {
  name: string;
  description: string;
  build(scale: Scale): SuiteSpec;
}
