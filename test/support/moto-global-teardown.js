// Stops the moto_server started by moto-global-setup.js (if this run started one).
module.exports = async function stopMoto() {
  const child = globalThis.__MOTO_PROCESS__;
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
  }
};
