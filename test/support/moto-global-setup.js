// Starts one moto_server (a local AWS emulator) for the whole Jest run and publishes its address
// as MOTO_ENDPOINT; test workers inherit it, and the seeds' own global setups reuse it.
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const http = require('node:http');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(url) {
  return new Promise((resolve) => {
    const req = http.get(`${url}/moto-api/`, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

module.exports = async function startMoto() {
  // The AWS SDK warns once per process that its 2027 releases need Node.js 22; Node.js 20 is what
  // this machine and the engines field allow today. Its own switch keeps test output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.env.MOTO_ENDPOINT) return;
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error) {
    throw new Error(
      'moto_server is not on PATH: the tests that use the real AWS wire protocol need it. '
        + "Install it (pip install 'moto[server]') or put it on PATH; see README 'Testing'.",
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: false,
  });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`moto_server exited with code ${exited} before it answered on ${url}`);
    if (await ping(url)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await ping(url))) {
    child.kill();
    throw new Error(`moto_server did not answer on ${url} within 30 s`);
  }
  process.env.MOTO_ENDPOINT = url;
  globalThis.__MOTO_PROCESS__ = child;
  await warm(url);
};

/**
 * moto loads each service's backend on its first request, which takes seconds on a loaded
 * machine; one cheap call per service the suites use moves that cost out of the tests.
 */
async function warm(endpoint) {
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const { SageMakerClient, ListModelPackageGroupsCommand } = require('@aws-sdk/client-sagemaker');
  const { S3Client, ListBucketsCommand } = require('@aws-sdk/client-s3');
  const { CloudFormationClient, ListStacksCommand } = require('@aws-sdk/client-cloudformation');
  const clients = [
    [new SageMakerClient(config), new ListModelPackageGroupsCommand({})],
    [new S3Client({ ...config, forcePathStyle: true }), new ListBucketsCommand({})],
    [new CloudFormationClient(config), new ListStacksCommand({})],
  ];
  await Promise.all(clients.map(async ([client, command]) => {
    try {
      await client.send(command);
    } finally {
      client.destroy();
    }
  }));
}
