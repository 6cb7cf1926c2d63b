import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { lambdaEntry } from '../../lib/paths';
import { bundledFunction } from '../../lib/private/bundled-function';
import { sourceHash } from '../../lib/private/source-hash';

/** The S3 key of the function's code when its folder is copied to `root`. */
function codeKeyFrom(root: string): string {
  const folder = path.join(root, 'start-deploy');
  fs.cpSync(path.dirname(lambdaEntry('start-deploy')), folder, { recursive: true });
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Stack');
  const key = new kms.Key(stack, 'Key');
  bundledFunction(stack, 'Function', {
    entry: path.join(folder, 'index.ts'),
    description: 'test',
    timeout: Duration.seconds(10),
    logs: { key, retention: logs.RetentionDays.ONE_DAY },
  });
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as Array<{ Properties: { Code: { S3Key: string } } }>;
  return fn.Properties.Code.S3Key;
}

describe('a Lambda bundle', () => {
  test('has the same asset hash wherever the app is checked out (or installed)', () => {
    // GIVEN the same function code in two folders
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-b-'));
    // THEN the code's S3 key (its asset hash) is the same: the template does not depend on the path
    expect(codeKeyFrom(a)).toEqual(codeKeyFrom(b));
  });

  test('changes its asset hash when its code changes', () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'code-a-'));
    const before = codeKeyFrom(a);
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'code-b-'));
    fs.mkdirSync(path.join(b, 'start-deploy'), { recursive: true });
    fs.writeFileSync(path.join(b, 'start-deploy', 'extra.ts'), 'export const changed = true;\n');
    expect(codeKeyFrom(b)).not.toEqual(before);
  });

  test('changes its asset hash when a file it imports from outside its folder changes (the approver rule of the deploy seed)', () => {
    // GIVEN a function folder importing a shared file two levels up, as start-deploy imports the seed's rule
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-'));
    fs.mkdirSync(path.join(root, 'lambda', 'fn'), { recursive: true });
    fs.mkdirSync(path.join(root, 'seed'), { recursive: true });
    fs.writeFileSync(path.join(root, 'lambda', 'fn', 'index.ts'), "import { rule } from '../../seed/rule';\nexport const handler = rule;\n");
    fs.writeFileSync(path.join(root, 'seed', 'rule.ts'), 'export const rule = 1;\n');
    const before = sourceHash(path.join(root, 'lambda', 'fn'), {});
    // WHEN only the shared file changes
    fs.writeFileSync(path.join(root, 'seed', 'rule.ts'), 'export const rule = 2;\n');
    // THEN the hash changes (it covered the function's folder alone before)
    expect(sourceHash(path.join(root, 'lambda', 'fn'), {})).not.toEqual(before);
  });
});
