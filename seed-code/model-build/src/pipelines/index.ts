/** The pipelines this repository defines, by the name the CLIs' `--pipeline` flag takes. */
import { abalone } from './abalone/pipeline';
import { PipelineBlueprint } from './blueprint';
import { churn } from './churn/pipeline';
import { tensorflow } from './tensorflow/pipeline';

export * from './blueprint';
export * from './image-uris';
export * from './builders';

/** Registered pipelines; add yours here to make the CLIs see it. */
export const PIPELINES: Readonly<Record<string, PipelineBlueprint>> = { abalone, churn, tensorflow };
