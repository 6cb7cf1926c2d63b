/**
 * Jest setup file. The AWS SDK warns once per process that its releases after January 2027 need
 * Node.js 22; the buildspecs run Node.js 22, and a developer machine on Node.js 20 gets the
 * warning from every test worker. The SDK's documented switch turns it off for tests only.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
