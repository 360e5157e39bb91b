// A container as the plan decides it: the Docker Engine API's create body (the subset netlab
// uses), written out here so that planning stays pure and only src/engine knows the client.

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface ContainerCreate {
  Image: string;
  Hostname?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Env?: string[];
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig?: {
    NetworkMode?: string;
    IpcMode?: string;
    PidMode?: string;
    /** Never true: netlab grants capabilities one by one (least privilege). */
    Privileged?: false;
    CapAdd?: string[];
    CapDrop?: string[];
    Sysctls?: Record<string, string>;
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
    PortBindings?: Record<string, PortBinding[]>;
    Binds?: string[];
    VolumesFrom?: string[];
    Dns?: string[];
    DnsSearch?: string[];
    DnsOptions?: string[];
    Init?: boolean;
    Memory?: number;
    NanoCpus?: number;
    PidsLimit?: number;
    ReadonlyRootfs?: boolean;
    SecurityOpt?: string[];
    Tmpfs?: Record<string, string>;
  };
  NetworkingConfig?: { EndpointsConfig: Record<string, { IPAMConfig?: { IPv4Address?: string } }> };
}
