#!/usr/bin/env node
'use strict';
require('./register');
require('../src/cli/run-pipeline').cli();
