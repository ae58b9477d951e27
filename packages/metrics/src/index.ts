export { accuracy, formatMeanStd, meanStd } from './summary';
export { defaultGroupOf, gradientCosine, type GradientCosine } from './gradient-cosine';
export { spikeStatistics, type LayerActivity } from './spikes';
export { alignmentGroupOf, ruleAlignment, type RuleAlignment } from './rule-alignment';
