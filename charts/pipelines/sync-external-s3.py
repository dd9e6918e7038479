# Copyright 2020-2021 The Kubeflow Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# kfcharts: replacement for upstream's pipelines profile controller sync.py
# (kubeflow/manifests 26.03, KFP 2.16.0,
# applications/pipeline/upstream/base/installs/multi-user/pipelines-profile-controller/sync.py).
#
# kfcharts mounts this file as /hooks/sync.py instead of upstream's when
# global.objectStorage.external is true. Upstream's version only works with
# the object store kubeflow/manifests runs in the cluster: it calls that
# store's IAM API to mint one access key and bucket policy per profile
# namespace, manages the bucket lifecycle through botocore, and hard-codes the
# in-cluster endpoint, the plain-HTTP transport and the "mlpipeline" bucket. An external S3-compatible store (AWS
# S3, MinIO, Ceph RGW, Cloudflare R2, ...) has no such IAM endpoint, so this
# version makes no IAM (or any other storage) call. It points the per-namespace
# Argo artifact repository and kfp-launcher ConfigMaps at the configured
# endpoint, bucket, region and TLS setting, under the profile's own path
# <prefix>/<namespace>/, with the profile's credentials:
#   secret  (default) a Secret the user provides in each profile namespace
#           (e.g. by ExternalSecret), holding keys limited to that path; this
#           controller never sees them and creates no Secret.
#   shared  the shared credentials, copied into every profile namespace as
#           mlpipeline-minio-artifact: no isolation between profiles.
# Everything that is not storage related (children, names, status, artifact
# proxy, metadata ConfigMap) behaves as upstream's.
#
# Storage settings come from environment variables (set by the Deployment):
#   KFCHARTS_S3_ENDPOINT    host[:port] of the S3 API (a scheme prefix is tolerated)
#   KFCHARTS_S3_REGION      bucket region; empty means us-east-1 where one is required
#   KFCHARTS_S3_SECURE      "true" (https, default) or "false" (http)
#   KFCHARTS_S3_BUCKET      bucket for pipeline artifacts (default mlpipeline)
#   KFCHARTS_S3_PATH_PREFIX  first path segments of every profile's path
#                           (default private-artifacts, like upstream's)
#   KFCHARTS_S3_PROFILE_CREDENTIALS  "secret" (default) or "shared"
#   KFCHARTS_S3_PROFILE_SECRET  secret: the Secret's name in each profile
#                           namespace; "{namespace}" stands for the namespace
#   KFCHARTS_S3_PROFILE_SECRET_ACCESS_KEY_KEY, KFCHARTS_S3_PROFILE_SECRET_SECRET_KEY_KEY
#                           secret: its keys (default accesskey, secretkey)
#   KFCHARTS_S3_ACCESS_KEY  shared: access key id (secretKeyRef)
#   KFCHARTS_S3_SECRET_KEY  shared: secret access key (secretKeyRef)
#
# Security note: with "shared" every profile namespace receives the same
# credentials, so the store does not isolate profiles from each other.
#
# Only the Python 3 standard library is used.

from http.server import BaseHTTPRequestHandler, HTTPServer
import json
import os
import base64
import hashlib

# Name and keys of the per-namespace credentials Secret. KFP's launcher, Argo
# and the KFP UI all expect these.
S3_SECRET_NAME = 'mlpipeline-minio-artifact'
S3_SECRET_ACCESS_KEY_KEY = 'accesskey'
S3_SECRET_SECRET_KEY_KEY = 'secretkey'

# Per-profile credentials: a Secret in each profile namespace, or the shared ones.
PROFILE_CREDENTIALS = ('secret', 'shared')
DEFAULT_PROFILE_SECRET = 'kfp-object-storage'
DEFAULT_PATH_PREFIX = 'private-artifacts'

# Region used where a client needs one and none is configured. MinIO, Ceph RGW
# and Cloudflare R2 accept it; AWS S3 needs the bucket's real region.
DEFAULT_S3_REGION = 'us-east-1'


def _normalize_domain(domain):
    return domain if domain.startswith('.') else '.' + domain


def _parse_bool(value, default):
    """Parses "true"/"false" (also 1/0, yes/no, on/off); default when unset or empty."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == '':
        return default
    if text in ('true', '1', 'yes', 'on'):
        return True
    if text in ('false', '0', 'no', 'off'):
        return False
    raise ValueError(f"KFCHARTS_S3_SECURE must be 'true' or 'false', got '{value}'")


def parse_s3_endpoint(endpoint, secure):
    """
    Splits host[:port] into (host, port, endpoint): the host without IPv6
    brackets, the port (443 with TLS and 80 without when none is given) and
    host[:port] as given. A leading http:// or https:// and a trailing slash
    are tolerated and dropped; the TLS setting comes from `secure` only.
    """
    text = (endpoint or '').strip()
    for scheme in ('https://', 'http://'):
        if text.lower().startswith(scheme):
            text = text[len(scheme):]
            break
    text = text.rstrip('/')
    if not text or '/' in text:
        raise ValueError(f"KFCHARTS_S3_ENDPOINT must be host[:port], got '{endpoint}'")

    host, port = text, ''
    if text.startswith('['):
        # IPv6 literal: [addr] or [addr]:port
        closing = text.find(']')
        if closing < 0:
            raise ValueError(f"KFCHARTS_S3_ENDPOINT has an unterminated IPv6 literal: '{endpoint}'")
        host, rest = text[:closing + 1], text[closing + 1:]
        if rest:
            if not rest.startswith(':'):
                raise ValueError(f"KFCHARTS_S3_ENDPOINT must be host[:port], got '{endpoint}'")
            port = rest[1:]
    elif text.count(':') == 1:
        host, port = text.split(':', 1)

    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"KFCHARTS_S3_ENDPOINT has an invalid port: '{endpoint}'")
    else:
        port = '443' if secure else '80'
    if not host or host == '[]':
        raise ValueError(f"KFCHARTS_S3_ENDPOINT must be host[:port], got '{endpoint}'")
    return host.lstrip('[').rstrip(']'), port, text


def _dns_subdomain(name):
    return (0 < len(name) <= 253 and all(
        part and len(part) <= 63 and part[0].isalnum() and part[-1].isalnum() and
        all(c.islower() or c.isdigit() or c == '-' for c in part)
        for part in name.split('.')))


def profile_secret_name(pattern, namespace):
    """The profile Secret's name in `namespace`: `pattern` with {namespace} replaced."""
    name = pattern.replace('{namespace}', namespace)
    if not _dns_subdomain(name):
        raise ValueError(f"KFCHARTS_S3_PROFILE_SECRET '{pattern}' gives '{name}' in namespace {namespace}, not a Secret name")
    return name


def parse_path_prefix(prefix):
    """The path prefix without surrounding slashes; segments must be non-empty."""
    text = (prefix if prefix is not None else DEFAULT_PATH_PREFIX).strip().strip('/')
    if not text or any(part in ('', '.', '..') for part in text.split('/')):
        raise ValueError(f"KFCHARTS_S3_PATH_PREFIX must be path segments like private-artifacts, got '{prefix}'")
    return text


def main():
    settings = get_settings_from_env()
    server = server_factory(**settings)
    server.serve_forever()


def get_settings_from_env(controller_port=None,
                          frontend_image=None,
                          frontend_tag=None,
                          disable_istio_sidecar=None,
                          artifacts_proxy_enabled=None,
                          artifact_retention_days=None,
                          cluster_domain=None,
                          s3_endpoint=None,
                          s3_region=None,
                          s3_secure=None,
                          s3_bucket=None,
                          s3_access_key=None,
                          s3_secret_key=None,
                          s3_path_prefix=None,
                          profile_credentials=None,
                          profile_secret=None,
                          profile_secret_access_key_key=None,
                          profile_secret_secret_key_key=None):
    """
    Returns a dict of settings from environment variables relevant to the controller

    Environment settings can be overridden by passing them here as arguments.

    Settings are pulled from the all-caps version of the setting name.  The
    following defaults are used if those environment variables are not set
    to enable backwards compatibility with previous versions of this script:
        frontend_image: ghcr.io/kubeflow/kfp-frontend
        frontend_tag: value of KFP_VERSION environment variable
        disable_istio_sidecar: Required (no default)

    The object store settings are read from KFCHARTS_S3_ENDPOINT,
    KFCHARTS_S3_REGION, KFCHARTS_S3_SECURE, KFCHARTS_S3_BUCKET,
    KFCHARTS_S3_PATH_PREFIX, KFCHARTS_S3_PROFILE_CREDENTIALS and, per mode,
    KFCHARTS_S3_PROFILE_SECRET* (secret) or KFCHARTS_S3_ACCESS_KEY and
    KFCHARTS_S3_SECRET_KEY (shared, then required). The endpoint is required.
    """
    settings = dict()
    settings["controller_port"] = \
        controller_port or \
        os.environ.get("CONTROLLER_PORT", "8080")

    settings["frontend_image"] = \
        frontend_image or \
        os.environ.get("FRONTEND_IMAGE", "ghcr.io/kubeflow/kfp-frontend")

    settings["artifacts_proxy_enabled"] = \
        artifacts_proxy_enabled or \
        os.environ.get("ARTIFACTS_PROXY_ENABLED", "false")

    settings["artifact_retention_days"] = \
        artifact_retention_days or \
        os.environ.get("ARTIFACT_RETENTION_DAYS", -1)

    settings["cluster_domain"] = \
        cluster_domain or \
        os.environ.get("CLUSTER_DOMAIN", ".svc.cluster.local")

    # Look for specific tags for each image first, falling back to
    # previously used KFP_VERSION environment variable for backwards
    # compatibility
    settings["frontend_tag"] = \
        frontend_tag or \
        os.environ.get("FRONTEND_TAG") or \
        os.environ["KFP_VERSION"]

    settings["disable_istio_sidecar"] = \
        disable_istio_sidecar if disable_istio_sidecar is not None \
            else os.environ.get("DISABLE_ISTIO_SIDECAR") == "true"

    # External object store (replaces upstream's object_store_host).
    settings["s3_endpoint"] = \
        s3_endpoint or \
        os.environ.get("KFCHARTS_S3_ENDPOINT", "")

    settings["s3_region"] = \
        s3_region if s3_region is not None \
            else os.environ.get("KFCHARTS_S3_REGION", "")

    settings["s3_secure"] = _parse_bool(
        s3_secure if s3_secure is not None else os.environ.get("KFCHARTS_S3_SECURE"),
        True)

    settings["s3_bucket"] = \
        s3_bucket or \
        os.environ.get("KFCHARTS_S3_BUCKET") or \
        "mlpipeline"

    settings["s3_access_key"] = \
        s3_access_key or \
        os.environ.get("KFCHARTS_S3_ACCESS_KEY", "")

    settings["s3_secret_key"] = \
        s3_secret_key or \
        os.environ.get("KFCHARTS_S3_SECRET_KEY", "")

    settings["s3_path_prefix"] = parse_path_prefix(
        s3_path_prefix if s3_path_prefix is not None
        else os.environ.get("KFCHARTS_S3_PATH_PREFIX") or DEFAULT_PATH_PREFIX)

    settings["profile_credentials"] = \
        profile_credentials or \
        os.environ.get("KFCHARTS_S3_PROFILE_CREDENTIALS") or "secret"
    if settings["profile_credentials"] not in PROFILE_CREDENTIALS:
        raise ValueError(f"KFCHARTS_S3_PROFILE_CREDENTIALS must be 'secret' or 'shared', got '{settings['profile_credentials']}'")

    settings["profile_secret"] = \
        profile_secret or \
        os.environ.get("KFCHARTS_S3_PROFILE_SECRET") or DEFAULT_PROFILE_SECRET
    settings["profile_secret_access_key_key"] = \
        profile_secret_access_key_key or \
        os.environ.get("KFCHARTS_S3_PROFILE_SECRET_ACCESS_KEY_KEY") or S3_SECRET_ACCESS_KEY_KEY
    settings["profile_secret_secret_key_key"] = \
        profile_secret_secret_key_key or \
        os.environ.get("KFCHARTS_S3_PROFILE_SECRET_SECRET_KEY_KEY") or S3_SECRET_SECRET_KEY_KEY
    if settings["profile_credentials"] == "secret":
        profile_secret_name(settings["profile_secret"], "profile")
        if settings["profile_secret"] == S3_SECRET_NAME:
            raise ValueError(f"KFCHARTS_S3_PROFILE_SECRET must not be {S3_SECRET_NAME}: this controller owns that name (shared keys)")

    # Fail at start-up rather than hand out broken children.
    required = [("KFCHARTS_S3_ENDPOINT", "s3_endpoint")]
    if settings["profile_credentials"] == "shared":
        required += [("KFCHARTS_S3_ACCESS_KEY", "s3_access_key"),
                     ("KFCHARTS_S3_SECRET_KEY", "s3_secret_key")]
    missing = [name for name, key in required if not settings[key]]
    if missing:
        raise ValueError("Missing object store settings: " + ", ".join(missing))
    parse_s3_endpoint(settings["s3_endpoint"], settings["s3_secure"])

    return settings


def server_factory(frontend_image,
                   frontend_tag,
                   disable_istio_sidecar,
                   artifacts_proxy_enabled,
                   artifact_retention_days,
                   s3_endpoint,
                   s3_access_key="",
                   s3_secret_key="",
                   s3_path_prefix=DEFAULT_PATH_PREFIX,
                   profile_credentials="secret",
                   profile_secret=DEFAULT_PROFILE_SECRET,
                   profile_secret_access_key_key=S3_SECRET_ACCESS_KEY_KEY,
                   profile_secret_secret_key_key=S3_SECRET_SECRET_KEY_KEY,
                   s3_region="",
                   s3_secure=True,
                   s3_bucket="mlpipeline",
                   cluster_domain=".svc.cluster.local",
                   url="",
                   controller_port=8080):
    """
    Returns an HTTPServer populated with Handler with customized settings
    """
    s3_secure = _parse_bool(s3_secure, True)
    s3_host, s3_port, s3_host_port = parse_s3_endpoint(s3_endpoint, s3_secure)
    # Argo's S3 artifact repository takes host[:port] without scheme. It is
    # passed as given: without a port, clients use 443/80 from the TLS setting
    # and still recognise AWS endpoints by host name.
    # Scheme-qualified form for kfp-launcher providers: the launcher accepts
    # both, and the KFP UI parses this value with `new URL(...)`.
    s3_url = f"{'https' if s3_secure else 'http'}://{s3_host_port}"
    s3_region = (s3_region or "").strip()
    s3_bucket_name = s3_bucket
    s3_path_prefix = parse_path_prefix(s3_path_prefix)
    shared = profile_credentials == "shared"
    if profile_credentials not in PROFILE_CREDENTIALS:
        raise ValueError(f"profile_credentials must be 'secret' or 'shared', got '{profile_credentials}'")

    # shared: the same for every namespace; the Secret data never goes to the log.
    s3_secret_data = {
        S3_SECRET_ACCESS_KEY_KEY: base64.b64encode(s3_access_key.encode('utf-8')).decode("utf-8"),
        S3_SECRET_SECRET_KEY_KEY: base64.b64encode(s3_secret_key.encode('utf-8')).decode("utf-8"),
    } if shared else None

    def credentials(namespace):
        """(Secret name, access key key, secret key key) the namespace's consumers read."""
        if shared:
            return S3_SECRET_NAME, S3_SECRET_ACCESS_KEY_KEY, S3_SECRET_SECRET_KEY_KEY
        return (profile_secret_name(profile_secret, namespace),
                profile_secret_access_key_key, profile_secret_secret_key_key)

    def launcher_providers(namespace):
        """
        kfp-launcher provider configuration for minio:// pipeline roots. Without
        it the launcher falls back to its built-in in-cluster endpoint
        (port 9000, plain HTTP). JSON is valid YAML, which is what the launcher parses.
        """
        name, access_key_key, secret_key_key = credentials(namespace)
        return json.dumps({
            "minio": {
                "default": {
                    "endpoint": s3_url,
                    "region": s3_region or DEFAULT_S3_REGION,
                    "disableSSL": not s3_secure,
                    "forcePathStyle": True,
                    "credentials": {
                        "fromEnv": False,
                        "secretRef": {
                            "secretName": name,
                            "accessKeyKey": access_key_key,
                            "secretKeyKey": secret_key_key,
                        },
                    },
                },
            },
        }, indent=2, sort_keys=True)

    class Controller(BaseHTTPRequestHandler):
        def upsert_lifecycle_policy(self, bucket_name, artifact_retention_days):
            """
            Upstream sets or deletes the bucket lifecycle policy through the
            S3 API here. With an external bucket that policy belongs to the
            bucket's owner (a delete would also drop rules that are not
            Kubeflow's), so this version changes nothing and only reports
            what the owner should configure.
            """
            try:
                retention_days = int(artifact_retention_days)
            except ValueError:
                print(f"ERROR: ARTIFACT_RETENTION_DAYS value '{artifact_retention_days}' is not a valid integer. Aborting policy update.")
                return

            if retention_days <= 0:
                print(f"ARTIFACT_RETENTION_DAYS is non-positive ({retention_days} days). External object store: the lifecycle policy of bucket '{bucket_name}' is left unchanged.")
                return

            print(f"ARTIFACT_RETENTION_DAYS is {retention_days} days, but the lifecycle policy of the external bucket '{bucket_name}' is not managed here. "
                  f"Configure it on the store: expire objects under prefix '{s3_path_prefix}' after {retention_days} days.")

        def sync(self, parent, attachments):
            # parent is a namespace
            namespace = parent.get("metadata", {}).get("name")

            pipeline_enabled = parent.get("metadata", {}).get(
                "labels", {}).get("pipelines.kubeflow.org/enabled")

            if pipeline_enabled != "true":
                return {"status": {}, "attachments": []}

            secret_name, access_key_key, secret_key_key = credentials(namespace)
            # The profile's own path in the bucket.
            profile_path = f"{s3_path_prefix}/{namespace}"

            # Compute status based on observed state.
            desired_status = {
                "kubeflow-pipelines-ready":
                    len(attachments["Secret.v1"]) == (1 if shared else 0) and
                    len(attachments["ConfigMap.v1"]) == 3 and
                    len(attachments["Deployment.apps/v1"]) == (1 if artifacts_proxy_enabled.lower() == "true" else 0) and
                    len(attachments["Service.v1"]) == (1 if artifacts_proxy_enabled.lower() == "true" else 0) and
                    "True" or "False"
            }

            artifact_repository = {
                "endpoint": s3_host_port,
                "bucket": s3_bucket_name,
                "keyFormat": f"{profile_path}/{{{{workflow.name}}}}/{{{{workflow.creationTimestamp.Y}}}}/{{{{workflow.creationTimestamp.m}}}}/{{{{workflow.creationTimestamp.d}}}}/{{{{pod.name}}}}",
                "insecure": not s3_secure,
                "accessKeySecret": {
                    "name": secret_name,
                    "key": access_key_key,
                },
                "secretKeySecret": {
                    "name": secret_name,
                    "key": secret_key_key,
                }
            }
            if s3_region:
                artifact_repository["region"] = s3_region

            # Generate the desired attachment object(s).
            desired_resources = [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "kfp-launcher",
                        "namespace": namespace,
                    },
                    "data": {
                        "defaultPipelineRoot": f"minio://{s3_bucket_name}/{profile_path}/v2/artifacts",
                        "clusterDomain": cluster_domain,
                        "providers": launcher_providers(namespace),
                    },
                },
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "metadata-grpc-configmap",
                        "namespace": namespace,
                    },
                    "data": {
                        "METADATA_GRPC_SERVICE_HOST":
                            "metadata-grpc-service.kubeflow",
                        "METADATA_GRPC_SERVICE_PORT": "8080",
                    },
                },
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": "artifact-repositories",
                        "namespace": namespace,
                        "annotations": {
                            "workflows.argoproj.io/default-artifact-repository": "default-namespaced"
                        }
                    },
                    "data": {
                        "default-namespaced": json.dumps({
                            "archiveLogs": True,
                            "s3": artifact_repository,
                        })
                    }
                },
            ]

            # Add artifact fetcher related resources if enabled
            if artifacts_proxy_enabled.lower() == "true":
                desired_resources.extend([
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "metadata": {
                            "labels": {
                                "app": "ml-pipeline-ui-artifact"
                            },
                            "name": "ml-pipeline-ui-artifact",
                            "namespace": namespace,
                        },
                        "spec": {
                            "selector": {
                                "matchLabels": {
                                    "app": "ml-pipeline-ui-artifact"
                                }
                            },
                            "template": {
                                "metadata": {
                                    "labels": {
                                        "app": "ml-pipeline-ui-artifact"
                                    },
                                    "annotations": {
                                        **({"sidecar.istio.io/inject": "false"} if disable_istio_sidecar else {}),
                                        "kubeflow-pipelines/image-spec-hash": hashlib.sha256(f"{frontend_image}:{frontend_tag}".encode()).hexdigest()[:16],
                                    },
                                },
                                "spec": {
                                    "containers": [{
                                        "name":
                                            "ml-pipeline-ui-artifact",
                                        "image": f"{frontend_image}:{frontend_tag}",
                                        "imagePullPolicy":
                                            "IfNotPresent",
                                        "ports": [{
                                            "containerPort": 3000
                                        }],
                                        "env": [
                                            {
                                                "name": "MINIO_ACCESS_KEY",
                                                "valueFrom": {
                                                    "secretKeyRef": {
                                                        "key": access_key_key,
                                                        "name": secret_name
                                                    }
                                                }
                                            },
                                            {
                                                "name": "MINIO_SECRET_KEY",
                                                "valueFrom": {
                                                    "secretKeyRef": {
                                                        "key": secret_key_key,
                                                        "name": secret_name
                                                    }
                                                }
                                            },
                                            # The KFP frontend server defaults to
                                            # the in-cluster store on port 9000
                                            # over http; point it at the external
                                            # store.
                                            {
                                                "name": "MINIO_HOST",
                                                "value": s3_host
                                            },
                                            {
                                                "name": "MINIO_PORT",
                                                "value": s3_port
                                            },
                                            {
                                                "name": "MINIO_NAMESPACE",
                                                "value": ""
                                            },
                                            {
                                                "name": "MINIO_SSL",
                                                "value": "true" if s3_secure else "false"
                                            },
                                            {
                                                "name": "ML_PIPELINE_SERVICE_HOST",
                                                "value": f"ml-pipeline.kubeflow{_normalize_domain(cluster_domain)}"
                                            },
                                            {
                                                "name": "ML_PIPELINE_SERVICE_PORT",
                                                "value": "8888"
                                            },
                                            {
                                                "name": "FRONTEND_SERVER_NAMESPACE",
                                                "value": namespace,
                                            },
                                            {
                                                "name": "CLUSTER_DOMAIN",
                                                "value": cluster_domain,
                                            }
                                        ],
                                        "resources": {
                                            "requests": {
                                                "cpu": "10m",
                                                "memory": "70Mi"
                                            },
                                            "limits": {
                                                "cpu": "100m",
                                                "memory": "500Mi"
                                            },
                                        }
                                    }],
                                    "serviceAccountName":
                                        "default-editor"
                                }
                            }
                        }
                    },
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "metadata": {
                            "name": "ml-pipeline-ui-artifact",
                            "namespace": namespace,
                            "labels": {
                                "app": "ml-pipeline-ui-artifact"
                            }
                        },
                        "spec": {
                            "ports": [{
                                "name":
                                    "http",  # name is required to let istio understand request protocol
                                "port": 80,
                                "protocol": "TCP",
                                "targetPort": 3000
                            }],
                            "selector": {
                                "app": "ml-pipeline-ui-artifact"
                            }
                        }
                    },
                ])

            print('Received request:\n', json.dumps(parent, sort_keys=True))
            print('Desired resources except secrets:\n', json.dumps(desired_resources, sort_keys=True))

            if not shared:
                # The profile's own Secret, provided by the user: nothing to create.
                # A mlpipeline-minio-artifact this controller made before (shared
                # keys) is no longer desired, so metacontroller deletes it.
                return {"status": desired_status, "attachments": desired_resources}

            # Moved after the print argument because this is sensitive data.

            # Upstream reuses an existing Secret or mints new per-namespace
            # credentials through the in-cluster store's IAM API. Here every namespace
            # gets the shared credentials of the external store. The
            # DecoratorController updates Secrets OnDelete, so an existing
            # Secret with other content (e.g. keys from the in-cluster store) stays until
            # it is deleted.
            existing_secret = attachments["Secret.v1"].get(f"{namespace}/{S3_SECRET_NAME}")
            if existing_secret:
                if (existing_secret.get("data") or {}) != s3_secret_data:
                    print(f"Warning: secret {namespace}/{S3_SECRET_NAME} differs from the configured object store credentials; "
                          f"it is kept until deleted (update strategy OnDelete).")
                else:
                    print('Using existing secret')
            else:
                print('Creating secret with the external object store credentials.')
                self.upsert_lifecycle_policy(s3_bucket_name, artifact_retention_days)

            desired_resources.insert(
                0,
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {
                        "name": S3_SECRET_NAME,
                        "namespace": namespace,
                    },
                    "data": dict(s3_secret_data),
                })

            return {"status": desired_status, "attachments": desired_resources}

        def do_POST(self):
            # Serve the sync() function as a JSON webhook.
            observed = json.loads(
                self.rfile.read(int(self.headers.get("content-length"))))
            desired = self.sync(observed["object"], observed["attachments"])

            self.send_response(200)
            self.send_header("Content-type", "application/json")
            self.end_headers()
            self.wfile.write(bytes(json.dumps(desired), 'utf-8'))

    return HTTPServer((url, int(controller_port)), Controller)


if __name__ == "__main__":
    main()
