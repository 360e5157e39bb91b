// The engine's answers as netlab reads them (the Docker Engine API's JSON shapes). Other layers
// import these names from here, never the client library.
import type Docker from 'dockerode';

export type ContainerSummary = Docker.ContainerInfo;
export type ContainerDetails = Docker.ContainerInspectInfo;
export type NetworkSummary = Docker.NetworkInspectInfo;
export type NetworkCreate = Docker.NetworkCreateOptions;
export type VolumeSummary = Docker.VolumeInspectInfo;
export type ImageSummary = Docker.ImageInfo;
export type ImageDetails = Docker.ImageInspectInfo;
export type EngineVersion = Docker.DockerVersion;

/** A container's name as the engine lists it, without the leading slash. */
export function containerName(c: ContainerSummary): string {
  return c.Names[0]!.replace(/^\//, '');
}
