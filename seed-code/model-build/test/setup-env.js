// The SDK's Node-version notice would repeat in every worker; it says nothing about the code.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
