// Jest's globalTeardown: removes the run's temporary folder (temp-dir.js says why).
module.exports = require('./temp-dir').teardown;
