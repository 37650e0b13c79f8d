# bench/lib/nginx.sh — sourced by bench/run.sh and bench/ab.sh.
#
# nginx_conf DIR SERVER-BLOCKS...: ${NGINX_WORKERS:-1} worker(s), no access log, keep-alive without a request cap
# (wrk keeps its connections for the whole run; hyper caps nothing either).
nginx_conf() {
  local dir=$1; shift
  mkdir -p "$dir"
  cat > "$dir/nginx.conf" <<EOF
worker_processes ${NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  $*
}
EOF
}
