// Manifests e2e tests apply over a shipped lab.

/** A NodePort Service (30600) over pod-to-service's server pods (one on each node). */
export const SERVER_NODEPORT = `apiVersion: v1
kind: Service
metadata: { name: web-np }
spec:
  type: NodePort
  selector: { app: server_pod1 }
  ports: [{ port: 80, targetPort: 8080, nodePort: 30600 }]
`;
