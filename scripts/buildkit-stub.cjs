// Stands in for @grpc/grpc-js, @grpc/proto-loader and protobufjs in the bundled CLI: dockerode
// needs them only for BuildKit sessions (buildImage with version "2"), which netlab never asks
// for (its images are built with the classic builder). Loading them cost every engine command
// about 600 kB of JavaScript.
const unsupported = () => {
  throw new Error('BuildKit sessions are not supported by netlab (its images use the classic builder)');
};
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : unsupported()) });
