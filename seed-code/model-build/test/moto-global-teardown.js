/** Stops the moto_server that moto-global-setup.js started (none when MOTO_ENDPOINT was given). */
module.exports = async function motoGlobalTeardown() {
  const child = globalThis.__MODEL_BUILD_MOTO__;
  if (!child) {
    return;
  }
  delete globalThis.__MODEL_BUILD_MOTO__;
  delete process.env.MOTO_ENDPOINT;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000).unref();
  });
};
