#!/usr/bin/env node
'use strict';
require('./register');
require('../src/containers/build-images').cli();
