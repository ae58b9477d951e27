export { buildProgram, runCli } from './cli';
export { gradcheck, expandVectorPaths, type GradcheckOptions } from './gradcheck';
export { train, evaluate, lossMaskFor, defaultTrainConfig, type TrainConfig, type EpochMetrics, type TrainReporter } from './train';
export { benchBptt, defaultBpttBench, type BpttBenchOptions, type BenchRecord } from './bench';
export { registerBuiltins, loadPlugins } from './plugins';
