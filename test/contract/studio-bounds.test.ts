import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GENERATED_PROJECT_ID_LENGTH, NAME_LIMITS, NameLimit, ProjectNames } from '../../lib/contract/names';
import {
  longestProjectName, PROJECT_NAME_MAX_LENGTH, STUDIO_PROJECT_ID_MAX_LENGTH, STUDIO_PROJECT_ID_PATTERN, STUDIO_PROJECT_NAME_MAX_LENGTH,
} from '../../lib/contract/rules';
import { StudioTemplateLocation, StudioTemplateStack } from '../../lib/studio/studio-template-stack';

/**
 * The Studio templates' name and id parameters carry the composed-name check that cannot run at
 * synth there. Their bounds come from the naming contract: no literal here to keep in step.
 */
const idOf = (length: number) => 'p-' + 'x'.repeat(length - 2);

describe('the Studio parameter bounds', () => {
  test('admit the ids SageMaker generates, and no longer ones', () => {
    expect(new RegExp(STUDIO_PROJECT_ID_PATTERN).test(idOf(GENERATED_PROJECT_ID_LENGTH))).toBe(true);
    expect(new RegExp(STUDIO_PROJECT_ID_PATTERN).test(idOf(GENERATED_PROJECT_ID_LENGTH + 1))).toBe(false);
    expect(STUDIO_PROJECT_ID_MAX_LENGTH).toBe(GENERATED_PROJECT_ID_LENGTH);
  });

  test('keep every composed name of the longest name and id within its AWS limit', () => {
    const longest = new ProjectNames('a'.repeat(STUDIO_PROJECT_NAME_MAX_LENGTH), idOf(STUDIO_PROJECT_ID_MAX_LENGTH));
    expect(longest.lengthViolations()).toEqual([]);
  });

  test('are as loose as the contract allows: one more character breaks a limit, or SageMaker\'s own name limit', () => {
    const longer = new ProjectNames('a'.repeat(STUDIO_PROJECT_NAME_MAX_LENGTH + 1), idOf(STUDIO_PROJECT_ID_MAX_LENGTH));
    expect(STUDIO_PROJECT_NAME_MAX_LENGTH === PROJECT_NAME_MAX_LENGTH || longer.lengthViolations().length > 0).toBe(true);
  });

  test('tighten when a composed name of the contract gets longer', () => {
    // GIVEN the contract with the longest account-scoped name made 10 characters longer
    const longestLimited = [...NAME_LIMITS].sort((a, b) => (b.name(probe()).length - b.max) - (a.name(probe()).length - a.max))[0];
    const lengthened: NameLimit[] = NAME_LIMITS.map((l) => (l === longestLimited ? { ...l, name: (n) => `${l.name(n)}-0123456789` } : l));
    // THEN the longest name the templates accept shrinks by those characters (or to what fits)
    const tighter = longestProjectName(STUDIO_PROJECT_ID_MAX_LENGTH, lengthened);
    expect(tighter).toBeLessThan(STUDIO_PROJECT_NAME_MAX_LENGTH);
    expect(new ProjectNames('a'.repeat(tighter), idOf(STUDIO_PROJECT_ID_MAX_LENGTH)).lengthViolations(lengthened)).toEqual([]);
  });

  test('are what the published template declares', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new StudioTemplateStack(app, 'Template', { location: new StudioTemplateLocation('my-templates', 'p/', 'v1') });
    const template = Template.fromStack(stack);
    template.hasParameter('SageMakerProjectName', { MaxLength: STUDIO_PROJECT_NAME_MAX_LENGTH });
    template.hasParameter('SageMakerProjectId', { MaxLength: STUDIO_PROJECT_ID_MAX_LENGTH, AllowedPattern: STUDIO_PROJECT_ID_PATTERN });
  });
});

/** The names of the longest name and id the templates accept today. */
function probe(): ProjectNames {
  return new ProjectNames('a'.repeat(STUDIO_PROJECT_NAME_MAX_LENGTH), idOf(STUDIO_PROJECT_ID_MAX_LENGTH));
}
