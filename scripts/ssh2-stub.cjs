// Stands in for ssh2 in the bundled CLI: netlab talks to engines over a socket or TCP only.
class Client {
  constructor() {
    throw new Error('ssh:// Docker hosts are not supported by netlab; use a unix socket or tcp:// DOCKER_HOST');
  }
}
module.exports = { Client };
