/**
 * Starts one moto_server (a local AWS emulator) for the whole jest run, unless MOTO_ENDPOINT is
 * already set: the parent repository starts a single moto for all its jest projects and passes it on.
 * Tests that talk to AWS read process.env.MOTO_ENDPOINT; a missing moto_server is an error, never a
 * reason to skip those tests.
 */
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const http = require('node:http');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function answers(endpoint) {
  return new Promise((resolve) => {
    const req = http.get(`${endpoint}/moto-api/`, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(500, () => {
      req.destroy();
      resolve(false);
    });
  });
}

module.exports = async function motoGlobalSetup() {
  // The SDK's Node-version notice would repeat in every worker; it says nothing about the code.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.env.MOTO_ENDPOINT) {
    return;
  }
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      'moto_server not found on PATH: the model-build tests need it (pip install "moto[server]"), ' +
        'or set MOTO_ENDPOINT to a running moto server',
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', detached: false });
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 30_000;
  while (!(await answers(endpoint))) {
    if (exited !== null) {
      throw new Error(`moto_server exited with code ${exited} before answering on ${endpoint}`);
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.MOTO_ENDPOINT = endpoint;
  globalThis.__MODEL_BUILD_MOTO__ = child;
};
