import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { containerFolders, readImagesFile, resolveProjectImages } from '../../src/containers/images';
import { PipelineBuilder } from '../../src/pipelines';

const REPO = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-demo-p-abc-images';
const DIGEST = `sha256:${'a'.repeat(64)}`;

function containers(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'containers-'));
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

describe('project images', () => {
  test('only folders with a Dockerfile are images, tagged by their content', () => {
    const root = containers({ 'train/Dockerfile': 'FROM x\n', 'train/requirements.txt': 'a==1\n', 'notes/README.md': 'x' });
    const [train, ...rest] = containerFolders(root);
    expect(rest).toEqual([]);
    expect(train.name).toBe('train');
    expect(train.tag).toMatch(/^train-[0-9a-f]{64}$/);
    const same = containerFolders(containers({ 'train/Dockerfile': 'FROM x\n', 'train/requirements.txt': 'a==1\n' }))[0];
    const changed = containerFolders(containers({ 'train/Dockerfile': 'FROM x\n', 'train/requirements.txt': 'a==2\n' }))[0];
    expect(same.tag).toBe(train.tag);
    expect(changed.tag).not.toBe(train.tag);
  });

  test('no containers folder means no images; a bad folder name is refused by name', () => {
    expect(containerFolders(path.join(tmpdir(), 'does-not-exist-containers'))).toEqual([]);
    expect(() => containerFolders(containers({ 'My Image/Dockerfile': 'FROM x' }))).toThrow(/containers\/My Image: image folder names must match/);
  });

  test('the image build file wins over content tags; without either an image is left out', () => {
    const root = containers({ 'a/Dockerfile': 'FROM x', 'b/Dockerfile': 'FROM y' });
    const file = path.join(root, 'images.json');
    writeFileSync(file, JSON.stringify({ a: `${REPO}@${DIGEST}` }));
    const images = resolveProjectImages({ containersDir: root, imagesFile: file, repositoryUri: REPO });
    expect(images.a).toBe(`${REPO}@${DIGEST}`);
    expect(images.b).toBe(`${REPO}:${containerFolders(root)[1].tag}`);
    expect(resolveProjectImages({ containersDir: root })).toEqual({});
  });

  test('a malformed image file names the file and the entry', () => {
    const root = containers({ 'x.json': JSON.stringify({ a: 'latest' }) });
    expect(() => readImagesFile(path.join(root, 'x.json'))).toThrow(/'a' is "latest"; expected <registry>\/<repository>@sha256:<digest> or :<tag>/);
    writeFileSync(path.join(root, 'y.json'), '[');
    expect(() => readImagesFile(path.join(root, 'y.json'))).toThrow(/y.json: not readable JSON/);
  });

  test('a pipeline asking for an image the context lacks says how to provide it', () => {
    const b = new PipelineBuilder({
      region: 'eu-west-1', pipelineKey: 'tensorflow', pipelineName: 'p', modelPackageGroupName: 'g', roleArn: 'arn:aws:iam::111122223333:role/r', bucket: 'b', code: {},
      projectImages: { other: `${REPO}@${DIGEST}` },
    });
    expect(() => b.projectImage('tensorflow')).toThrow(/project image 'tensorflow' \(containers\/tensorflow\/Dockerfile\), which has no URI: set IMAGE_REPOSITORY_URI .*images known: other/);
    expect(b.projectImage('other')).toBe(`${REPO}@${DIGEST}`);
  });
});
