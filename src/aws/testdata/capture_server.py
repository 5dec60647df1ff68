import http.server, json, sys
out = open(sys.argv[2], 'a')
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        body = self.rfile.read(n).decode()
        rec = {"method": "POST", "path": self.path, "headers": [[k, v] for k, v in self.headers.items()], "body": body}
        out.write(json.dumps(rec) + "\n"); out.flush()
        resp = b'{"EventBuses": []}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-amz-json-1.1')
        self.send_header('Content-Length', str(len(resp)))
        self.end_headers(); self.wfile.write(resp)
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
