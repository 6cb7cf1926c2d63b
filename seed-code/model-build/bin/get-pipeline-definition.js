#!/usr/bin/env node
'use strict';
require('./register');
require('../src/cli/get-pipeline-definition').cli();
