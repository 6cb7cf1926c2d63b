/**
 * The order steps run in: dependency order (what a step reads with `Get` or names in `DependsOn`),
 * definition order among independent steps, as the service schedules them one at a time.
 */
import { DefinitionStep, LocalRunUnsupportedError } from './types';

/** Every step, condition branches included. */
export function allSteps(steps: readonly DefinitionStep[]): DefinitionStep[] {
  return steps.flatMap((s) => [s, ...allSteps(s.Arguments?.IfSteps ?? []), ...allSteps(s.Arguments?.ElseSteps ?? [])]);
}

/**
 * Yields `steps` in dependency order; a step counts as done when the caller asks for the next one,
 * so a caller that stops (a failed step) leaves the rest unscheduled.
 *
 * @throws LocalRunUnsupportedError when the remaining steps depend on each other in a cycle
 */
export function* inDependencyOrder(steps: readonly DefinitionStep[]): Generator<DefinitionStep, void, undefined> {
  const names = new Set(steps.map((s) => s.Name));
  const done = new Set<string>();
  const pending = [...steps];
  while (pending.length > 0) {
    const index = pending.findIndex((step) => [...dependenciesOf(step)].every((d) => !names.has(d) || done.has(d)));
    if (index < 0) {
      throw new LocalRunUnsupportedError(`steps ${pending.map((s) => `'${s.Name}'`).join(', ')} depend on each other in a cycle`);
    }
    const [step] = pending.splice(index, 1);
    yield step;
    done.add(step.Name);
  }
}

/** Names of the steps a step reads from or depends on. */
export function dependenciesOf(step: DefinitionStep): Set<string> {
  const found = new Set<string>(step.DependsOn ?? []);
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, member] of Object.entries(value)) {
        if (key === 'Get' && typeof member === 'string') {
          const match = /^Steps\.([^.[]+)/.exec(member);
          if (match) {
            found.add(match[1]);
          }
        } else if (key !== 'IfSteps' && key !== 'ElseSteps') {
          walk(member);
        }
      }
    }
  };
  walk(step.Arguments);
  // A condition also waits for what its branches read, as the service does.
  for (const branch of [...(step.Arguments?.IfSteps ?? []), ...(step.Arguments?.ElseSteps ?? [])]) {
    dependenciesOf(branch).forEach((d) => found.add(d));
  }
  found.delete(step.Name);
  return found;
}
