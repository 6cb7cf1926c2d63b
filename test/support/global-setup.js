// Jest's globalSetup: the run's own temporary folder (temp-dir.js says why).
module.exports = require('./temp-dir').setup;
