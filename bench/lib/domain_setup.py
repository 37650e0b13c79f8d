"""Creates 3 MOCK APIs (stage prod) and the custom domain api.example.com mapping them under
orders, users and shop (bench/custom_domain.sh); prints the id of the one under shop.
Usage: domain_setup.py PORT DIR (DIR holds cert.pem and key.pem)."""
import os, sys, json
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
os.environ["AWS_CONFIG_FILE"]="/dev/null"; os.environ["AWS_SHARED_CREDENTIALS_FILE"]="/dev/null"
os.environ.setdefault("AWS_ACCESS_KEY_ID","test"); os.environ.setdefault("AWS_SECRET_ACCESS_KEY","test")
from e2e_helpers import make_client, add_mock_method
c = make_client(f"http://127.0.0.1:{sys.argv[1]}")
ids = []
for i in range(3):
    a = c.create_rest_api(name=f"d{i}"); add_mock_method(c, a["id"], a["rootResourceId"]); c.create_deployment(restApiId=a["id"], stageName="prod"); ids.append(a["id"])
c.create_domain_name(domainName="api.example.com", endpointConfiguration={"types": ["REGIONAL"]},
    certificateBody=open(os.path.join(sys.argv[2], "cert.pem")).read(), certificatePrivateKey=open(os.path.join(sys.argv[2], "key.pem")).read())
for i, base in enumerate(["orders", "users", "shop"]):
    c.create_base_path_mapping(domainName="api.example.com", basePath=base, restApiId=ids[i], stage="prod")
print(ids[2])
