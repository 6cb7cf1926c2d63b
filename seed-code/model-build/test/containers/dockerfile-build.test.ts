/**
 * The project's Dockerfiles build, with buildah, against a base image the test assembles (see
 * build-with-buildah.sh: buildah and runc extracted from Debian packages, the base made of the
 * host's Python, pip reading a local package index; no registry). It needs root, user and mount
 * namespaces, apt and a package index, and takes about a minute, so it runs only when asked:
 * MODEL_BUILD_IMAGE_TEST=1 and MODEL_BUILD_PIP_INDEX_DIR (a folder with simple/ and its files);
 * otherwise it is reported as skipped with that reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { containerFolders } from '../../src/containers/images';

const ROOT = path.join(__dirname, '..', '..');
const asked = process.env.MODEL_BUILD_IMAGE_TEST === '1' && Boolean(process.env.MODEL_BUILD_PIP_INDEX_DIR);
const run = asked ? test : test.skip;

jest.setTimeout(600_000);

run('containers/tensorflow builds FROM an assembled base and installs its pinned requirements (MODEL_BUILD_IMAGE_TEST=1 only)', () => {
  const folder = containerFolders(path.join(ROOT, 'containers')).find((f) => f.name === 'tensorflow')!;
  const pinned = /^numpy==(\S+)$/m.exec(readFileSync(path.join(folder.dir, 'requirements.txt'), 'utf8'))![1];
  const work = mkdtempSync(path.join(tmpdir(), 'image-build-'));
  const build = spawnSync(path.join(__dirname, 'build-with-buildah.sh'), [folder.dir, work, process.env.MODEL_BUILD_PIP_INDEX_DIR!], { encoding: 'utf8', timeout: 590_000 });
  expect({ status: build.status, stderr: build.status === 0 ? '' : build.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
  expect(build.stdout.trim().split('\n').pop()).toBe(`numpy ${pinned}`);
});
