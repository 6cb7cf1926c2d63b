import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import madge from 'madge';

/**
 * The shape of the code: no import circle anywhere (the app, the Lambda functions, the scripts and
 * both seeds), and lib/ in floors, each importing only the floors below it.
 */
const ROOT = path.join(__dirname, '..');

/*
 * Parsing (TypeScript's parser, through madge's precinct) is nearly all of the time of a graph, and
 * the graphs here parse the same files again and again: scripts/ and bin/ import lib/, whose graph
 * is also asked for three times. Each file is parsed once for this test file: the same path, the
 * same content and the same options give the same imports. (A cache of whole graphs does not help:
 * the graphs of the other folders still parse lib/.)
 */
jest.mock('precinct', () => {
  const precinct = jest.requireActual('precinct');
  const readFileSync = jest.requireActual('node:fs').readFileSync;
  const paperwork = precinct.paperwork;
  const parsed = new Map<string, string[]>();
  precinct.paperwork = (filename: string, options: object = {}) => {
    const key = JSON.stringify([filename, options, readFileSync(filename, 'utf8')]);
    if (!parsed.has(key)) parsed.set(key, paperwork(filename, options));
    return [...parsed.get(key)!];
  };
  return precinct;
});

async function graph(dir: string): Promise<madge.MadgeInstance> {
  return madge(dir, { fileExtensions: ['ts'], excludeRegExp: [/node_modules/, /\.d\.ts$/, /cdk\.out/] });
}

describe('imports', () => {
  test.each(['lib', 'lambda', 'scripts', 'bin', 'seed-code/model-build/src', 'seed-code/model-deploy/lib', 'seed-code/model-deploy/bin'])(
    'form no circle in %s', async (dir) => {
      const found = await graph(path.join(ROOT, dir));
      expect(Object.keys(found.obj()).length).toBeGreaterThan(0);
      expect(found.circular()).toEqual([]);
    });

  test('a circle is found when there is one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'circle-'));
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => a;\n");
    expect((await graph(dir)).circular()).toEqual([['a.ts', 'b.ts']]);
  });

  /** lib/'s floors, lowest first: a file imports only its own floor and those below. */
  const FLOORS: readonly RegExp[] = [
    /^(contract\/|paths\.ts$)/,
    /^private\//,
    /^source\//,
    /^project\//,
    /^stacks\//,
    /^config\//,
    /^studio\//,
    /^(project-app|index)\.ts$/,
  ];
  const floorOf = (file: string) => {
    const floor = FLOORS.findIndex((f) => f.test(file));
    if (floor < 0) throw new Error(`lib/${file} is on no floor: add its folder to FLOORS`);
    return floor;
  };

  test('in lib/, no import runs back up a floor', async () => {
    const imports = (await graph(path.join(ROOT, 'lib'))).obj();
    const upward = Object.entries(imports).flatMap(([file, deps]) => deps
      .filter((dep) => floorOf(dep) > floorOf(file))
      .map((dep) => `lib/${file} imports lib/${dep}`));
    expect(upward).toEqual([]);
  });

  test('lib/contract/ imports nothing of lib/ but itself', async () => {
    const imports = (await graph(path.join(ROOT, 'lib'))).obj();
    const outside = Object.entries(imports).filter(([file]) => file.startsWith('contract/'))
      .flatMap(([file, deps]) => deps.filter((d) => !d.startsWith('contract/')).map((d) => `lib/${file} imports lib/${d}`));
    expect(outside).toEqual([]);
  });
});
