/* page.c -- the topology page (GET /) and its data (GET /cluster.json) on the agent's HTTP port.
 *
 * The page is one static HTML file, below, with its script and styles inline: no build step, no
 * outside resource. It reads /cluster.json every second and redraws in place: the nodes with
 * their role, state, read_only, lag and health, an arrow from each replica's source, the problems
 * a DBA must act on, and the history with each phase of every failover. /cluster.json is read from
 * ZooKeeper by this agent at request time (a sync first, so a lagging follower cannot show an old
 * /primary): /primary, /control, every node's registration as published, the election, and the
 * last PAGE_HISTORY history records, each passed through as stored (an unreadable one is named,
 * not dropped). Every agent serves it, so the page survives the loss of any one node. */
#include <jansson.h>
#include <pthread.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "agent.h"
#include "clockutil.h"
#include "log.h"
#include "zkutil.h"

#define PAGE_HISTORY 20
#define PAGE_ZK_TIMEOUT_MS 2000

static const char page_html[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>failoverd</title>\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}\n"
    "h1{font-size:1.3em;margin:0 0 .3em}#meta{color:#555;margin-bottom:1em}\n"
    "#err{color:#b00;font-weight:bold}svg{background:#fff;border:1px solid #ddd;border-radius:6px}\n"
    ".node rect{fill:#eef4ff;stroke:#4a78c2;stroke-width:1.5}.node.primary rect{fill:#e3f7e3;stroke:#2e8b2e;stroke-width:2.5}\n"
    ".node.bad rect{fill:#fde8e8;stroke:#c22}.node text{font-size:12px}.node .name{font-weight:bold;font-size:14px}\n"
    "line.repl{stroke:#888;stroke-width:1.5;marker-end:url(#arrow)}line.repl.down{stroke:#c22;stroke-dasharray:5 4}\n"
    "#problems li{color:#b00}#problems.none{color:#2e8b2e}table{border-collapse:collapse;background:#fff}\n"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}th{background:#f0f0f0}\n"
    ".bar{display:inline-block;height:10px;margin-right:1px;vertical-align:middle}\n"
    "</style></head><body>\n"
    "<h1>failoverd: <span id=\"cluster\">?</span></h1>\n"
    "<div id=\"meta\">primary <b id=\"primary\">?</b> &middot; epoch <b id=\"epoch\">?</b> &middot; "
    "coordinator <b id=\"coordinator\">?</b> &middot; <span id=\"paused\"></span> updated <span "
    "id=\"updated\">never</span> from <span id=\"served_by\">?</span> <span id=\"err\"></span></div>\n"
    "<svg id=\"topology\" width=\"900\" height=\"260\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" "
    "refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
    "<path d=\"M0 0L10 5L0 10z\" fill=\"#888\"/></marker></defs></svg>\n"
    "<h2>Problems</h2><ul id=\"problems\"></ul>\n"
    "<h2>History</h2><table><thead><tr><th>when</th><th>type</th><th>old &rarr; new</th><th>epoch</th>"
    "<th>outcome</th><th>phases (ms)</th><th>lost</th><th>reason</th></tr></thead>"
    "<tbody id=\"history\"></tbody></table>\n"
    "<script>\n"
    "'use strict';\n"
    "const SVG='http://www.w3.org/2000/svg';\n"
    "const PH={detect:'#f2b134',fence:'#d9534f',catchup:'#5bc0de',promote:'#5cb85c',repoint:'#428bca'};\n"
    "function el(n,a,t){const e=document.createElementNS(SVG,n);for(const k in a)e.setAttribute(k,a[k]);"
    "if(t!==undefined)e.textContent=t;return e;}\n"
    "function txt(id,v){document.getElementById(id).textContent=v;}\n"
    "function state(n){if(!n.registered)return'no agent';if(n.unreadable)return'unreadable';"
    "if(n.role==='primary')return n.read_only?'primary, read-only':'writable';"
    "if(n.io_running&&n.sql_running)return'streaming';if(!n.healthy)return'mysqld down';return'not replicating';}\n"
    "function problems(c){const p=[];const pr=c.primary&&c.primary.name;"
    "if(!pr)p.push('no primary named in /primary');\n"
    " const byName={};for(const n of c.nodes)byName[n.name]=n;\n"
    " if(pr){const n=byName[pr];if(!n||!n.registered)p.push('primary '+pr+': no agent registered');"
    "else if(!n.healthy)p.push('primary '+pr+': mysqld down or not answering'+(n.error?' ('+n.error+')':''));"
    "else if(n.read_only)p.push('primary '+pr+': read-only (fenced or not yet promoted)');}\n"
    " for(const n of c.nodes){if(n.name===pr)continue;if(!n.registered){p.push(n.name+': agent missing');continue;}"
    "if(n.unreadable){p.push(n.name+': registration unreadable: '+n.unreadable);continue;}"
    "if(n.diverged)p.push(n.name+': diverged (transactions the primary never had)');"
    "else if(!n.healthy)p.push(n.name+': mysqld down or not answering'+(n.error?' ('+n.error+')':''));"
    "else if(!(n.io_running&&n.sql_running))p.push(n.name+': not replicating');"
    "else if(n.lag_s!=null&&n.lag_s>c.max_lag_s)p.push(n.name+': lagging '+n.lag_s+' s');}\n"
    " if(c.paused)p.push('automatic failover paused'+(c.pause_reason?': '+c.pause_reason:''));"
    " if(!c.coordinator)p.push('no coordinator elected');return p;}\n"
    "function draw(c){const svg=document.getElementById('topology');"
    "while(svg.childNodes.length>1)svg.removeChild(svg.lastChild);\n"
    " const pr=c.primary&&c.primary.name;const others=c.nodes.filter(n=>n.name!==pr);"
    "const W=170,H=92,pos={};\n"
    " const w=Math.max(900,(others.length+1)*(W+30));svg.setAttribute('width',w);\n"
    " if(pr)pos[pr]={x:w/2-W/2,y:12};others.forEach((n,i)=>{const row=others.length*(W+30);"
    "pos[n.name]={x:(w-row)/2+i*(W+30)+15,y:150};});\n"
    " const byAddr={};for(const n of c.nodes)if(n.host)byAddr[n.host+':'+n.port]=n.name;\n"
    " for(const n of c.nodes){if(!n.source||!pos[n.name])continue;const s=byAddr[n.source];if(!s||!pos[s])continue;"
    "const a=pos[s],b=pos[n.name];svg.appendChild(el('line',{class:'repl'+(n.io_running?'':' down'),"
    "x1:a.x+W/2,y1:a.y+H,x2:b.x+W/2,y2:b.y,'data-from':s,'data-to':n.name}));}\n"
    " for(const n of c.nodes){const p=pos[n.name];if(!p)continue;const st=state(n);"
    "const bad=st!=='writable'&&st!=='streaming';"
    "const g=el('g',{class:'node'+(n.name===pr?' primary':'')+(bad?' bad':''),'data-node':n.name,"
    "'data-role':n.name===pr?'primary':(n.role||'unknown'),'data-state':st,transform:'translate('+p.x+','+p.y+')'});\n"
    "  g.appendChild(el('rect',{width:W,height:H,rx:8}));"
    "g.appendChild(el('text',{x:10,y:20,class:'name'},n.name+(n.name===c.coordinator?' \\u2605':'')));"
    "g.appendChild(el('text',{x:10,y:38},st));"
    "g.appendChild(el('text',{x:10,y:54},'read_only '+(!n.healthy?'?':n.read_only?'on':'off')+(n.fenced?', fenced':'')));"
    "g.appendChild(el('text',{x:10,y:70},'lag '+(n.lag_s==null?'-':n.lag_s+' s')+' \\u00b7 '+(n.promotion||'')));"
    "g.appendChild(el('text',{x:10,y:86},(n.gtid_applied||'').slice(0,26)));svg.appendChild(g);}}\n"
    "function hist(c){const tb=document.getElementById('history');tb.textContent='';\n"
    " for(const h of c.history.slice().reverse()){const tr=document.createElement('tr');"
    "tr.dataset.epoch=h.epoch;tr.dataset.new=h.new||'';tr.dataset.type=h.type||'';\n"
    "  const ph=h.phases_ms||{};const bars=[];for(const k of ['detect','fence','catchup','promote','repoint'])"
    "{const v=Number(ph[k]);if(ph[k]!=null&&Number.isFinite(v))bars.push([k,v]);}\n"
    "  const at=Number(h.at);\n"
    "  const cells=[Number.isFinite(at)&&at>0?new Date(at).toISOString().replace('T',' ').slice(0,23):'?',h.type||'',"
    "(h.old||'-')+' \\u2192 '+(h.new||'-'),h.epoch==null?'':h.epoch,h.outcome||(h.unreadable?'unreadable: '+h.unreadable:''),null,"
    "h.lost_count==null?'':h.lost_count,h.reason||''];\n"
    "  cells.forEach((v,i)=>{const td=document.createElement('td');if(i===5){for(const [k,n] of bars){"
    "const b=document.createElement('span');b.className='bar';b.title=k+' '+n+' ms';"
    "b.style.width=Math.max(2,Math.min(200,n/10))+'px';b.style.background=PH[k];td.appendChild(b);}"
    "td.appendChild(document.createTextNode(' '+bars.map(([k,n])=>k+' '+n).join(', ')+"
    "(Number.isFinite(Number(ph.total))?' = '+Number(ph.total):'')));}"
    "else td.textContent=v;tr.appendChild(td);});tb.appendChild(tr);}}\n"
    "async function tick(){try{const r=await fetch('cluster.json',{cache:'no-store'});const c=await r.json();\n"
    " if(!r.ok)throw new Error(c.error||('HTTP '+r.status));txt('err','');\n"
    " txt('cluster',c.cluster);txt('primary',c.primary&&c.primary.name||'none');"
    "txt('epoch',c.primary?c.primary.epoch:'-');txt('coordinator',c.coordinator||'none');"
    "txt('paused',c.paused?'PAUSED'+(c.pause_reason?' ('+c.pause_reason+')':'')+' \\u00b7 ':'');"
    "txt('served_by',c.served_by);txt('updated',new Date().toISOString().slice(11,23));\n"
    " draw(c);const p=problems(c);const ul=document.getElementById('problems');ul.textContent='';"
    "ul.className=p.length?'':'none';if(!p.length){const li=document.createElement('li');li.textContent='none';"
    "ul.appendChild(li);}for(const s of p){const li=document.createElement('li');li.textContent=s;ul.appendChild(li);}\n"
    " hist(c);}catch(e){txt('err','cannot read cluster.json: '+e.message);}}\n"
    "tick();setInterval(tick,1000);\n"
    "</script></body></html>\n";

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *type, char *body,
                            bool copy)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), body, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* The znode at PATH parsed, or {"unreadable": why} (never NULL). */
static json_t *read_json(zhandle_t *zh, const char *path)
{
    char *data = NULL;
    int len = 0;
    int rc = zk_get_alloc(zh, path, false, &data, &len, NULL);
    if (rc != ZOK) {
        free(data);
        return json_pack("{s:s}", "unreadable", rc == ZNONODE ? "absent" : zerror(rc));
    }
    json_error_t je;
    json_t *j = data ? json_loadb(data, (size_t)len, 0, &je) : NULL;
    free(data);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return json_pack("{s:s}", "unreadable", "not a JSON object");
    }
    return j;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the page shows, read now. NULL with *why set when ZooKeeper cannot be read. */
static json_t *cluster_json(agent_t *a, const char **why)
{
    const config_t *cfg = a->cfg;
    zsess_t *s = session_get(a);
    if (!s) {
        *why = "this agent has no ZooKeeper session now: ask another node";
        return NULL;
    }
    char path[ZK_PATH_MAX];
    zk_cluster_path(cfg, path, sizeof(path), "%s", "");
    if (zk_sync_wait(s->zh, path, PAGE_ZK_TIMEOUT_MS) != ZOK) {
        session_put(a, s);
        *why = "ZooKeeper did not answer a sync within 2000 ms";
        return NULL;
    }
    json_t *out = json_pack("{s:s, s:s, s:i, s:I}", "cluster", cfg->cluster_name, "served_by",
                            cfg->node_name, "max_lag_s", cfg->max_lag_s, "at",
                            (json_int_t)wall_ms());
    zk_cluster_path(cfg, path, sizeof(path), "/primary");
    json_t *pr = read_json(s->zh, path);
    json_object_set_new(out, "primary",
                        json_object_get(pr, "unreadable") ? json_null() : json_incref(pr));
    json_decref(pr);
    zk_cluster_path(cfg, path, sizeof(path), "/control");
    json_t *ctl = read_json(s->zh, path);
    /* A pause with an end (pause --for) that has passed is none: as the coordinator reads it. */
    json_t *until = json_object_get(ctl, "pause_until");
    bool paused = json_is_true(json_object_get(ctl, "paused")) &&
                  !(json_is_integer(until) && json_integer_value(until) > 0 &&
                    json_integer_value(until) <= wall_ms());
    json_object_set_new(out, "paused", json_boolean(paused));
    json_t *reason = json_object_get(ctl, "pause_reason");
    if (json_is_string(reason)) json_object_set(out, "pause_reason", reason);
    json_decref(ctl);

    /* The coordinator: the owner of the lowest election child (n_NAME_SEQ). */
    struct String_vector kids = {0, NULL};
    zk_cluster_path(cfg, path, sizeof(path), "/election");
    json_object_set_new(out, "coordinator", json_null());
    if (zoo_get_children(s->zh, path, 0, &kids) == ZOK && kids.count > 0) {
        long best = -1;
        const char *who = NULL;
        for (int i = 0; i < kids.count; i++) {
            long seq = zk_seq_of(kids.data[i]);
            if (seq >= 0 && (best < 0 || seq < best)) {
                best = seq;
                who = kids.data[i];
            }
        }
        if (who && strncmp(who, "n_", 2) == 0) {
            const char *end = strrchr(who, '_');
            if (end > who + 2)
                json_object_set_new(out, "coordinator", json_stringn(who + 2, (size_t)(end - who - 2)));
        }
    }
    deallocate_String_vector(&kids);

    /* Nodes: every registration, and every member the coordinator keeps that has none now. */
    json_t *nodes = json_array();
    zk_cluster_path(cfg, path, sizeof(path), "/nodes");
    if (zoo_get_children(s->zh, path, 0, &kids) == ZOK) {
        qsort(kids.data, (size_t)kids.count, sizeof(char *), cmp_str);
        for (int i = 0; i < kids.count; i++) {
            char p2[ZK_PATH_MAX];
            zk_cluster_path(cfg, p2, sizeof(p2), "/nodes/%s", kids.data[i]);
            json_t *n = read_json(s->zh, p2);
            json_object_set_new(n, "name", json_string(kids.data[i]));
            json_object_set_new(n, "registered", json_true());
            json_array_append_new(nodes, n);
        }
    }
    deallocate_String_vector(&kids);
    zk_cluster_path(cfg, path, sizeof(path), "/members");
    json_t *mem = read_json(s->zh, path);
    json_t *list = json_object_get(mem, "members");
    size_t mi;
    json_t *m;
    json_array_foreach(list, mi, m)
    {
        const char *name = json_string_value(json_object_get(m, "name"));
        if (!name) continue;
        bool seen = false;
        size_t ni;
        json_t *n;
        json_array_foreach(nodes, ni, n) seen = seen || strcmp(json_string_value(json_object_get(n, "name")), name) == 0;
        if (!seen)
            json_array_append_new(nodes, json_pack("{s:s, s:b, s:O?, s:O?}", "name", name,
                                                   "registered", 0, "host",
                                                   json_object_get(m, "host"), "port",
                                                   json_object_get(m, "port")));
    }
    json_decref(mem);
    json_object_set_new(out, "nodes", nodes);

    /* History: the last PAGE_HISTORY records, oldest first. */
    json_t *hist = json_array();
    zk_cluster_path(cfg, path, sizeof(path), "/history");
    if (zoo_get_children(s->zh, path, 0, &kids) == ZOK) {
        qsort(kids.data, (size_t)kids.count, sizeof(char *), cmp_str);
        for (int i = kids.count > PAGE_HISTORY ? kids.count - PAGE_HISTORY : 0; i < kids.count; i++) {
            char p2[ZK_PATH_MAX];
            zk_cluster_path(cfg, p2, sizeof(p2), "/history/%s", kids.data[i]);
            json_t *h = read_json(s->zh, p2);
            json_object_set_new(h, "id", json_string(kids.data[i]));
            json_array_append_new(hist, h);
        }
    }
    deallocate_String_vector(&kids);
    json_object_set_new(out, "history", hist);
    session_put(a, s);
    return out;
}

/* /cluster.json is built by a worker of its own: libmicrohttpd runs every request on one thread,
 * and /primary, /replica and /failsafe must never wait behind a ZooKeeper read. The worker runs
 * while the page is being read (a request in the last PAGE_IDLE_MS) and refreshes a cached copy
 * every PAGE_REFRESH_MS; a request gets the cached copy at once. */
#define PAGE_REFRESH_MS 1000
#define PAGE_IDLE_MS 10000

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop;
    agent_t *a;
    char *body;      /* the last /cluster.json, or NULL */
    unsigned code;   /* its status */
    int64_t asked_ms; /* the last request */
} pg = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *page_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pg.mu);
    while (!pg.stop) {
        if (mono_ms() - pg.asked_ms > PAGE_IDLE_MS) { /* nobody looks: sleep until asked */
            pthread_cond_wait(&pg.cv, &pg.mu);
            continue;
        }
        pthread_mutex_unlock(&pg.mu);
        const char *why = NULL;
        json_t *j = cluster_json(pg.a, &why);
        if (!j) j = json_pack("{s:s, s:s}", "error", why, "served_by", pg.a->cfg->node_name);
        char *body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!body) abort();
        pthread_mutex_lock(&pg.mu);
        free(pg.body);
        pg.body = body;
        pg.code = why ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
        if (!pg.stop) {
            struct timespec ts = cond_deadline(PAGE_REFRESH_MS);
            pthread_cond_timedwait(&pg.cv, &pg.mu, &ts);
        }
    }
    pthread_mutex_unlock(&pg.mu);
    return NULL;
}

void page_stop(void)
{
    pthread_mutex_lock(&pg.mu);
    bool started = pg.started;
    pg.stop = true;
    pthread_cond_broadcast(&pg.cv);
    pthread_mutex_unlock(&pg.mu);
    if (started) pthread_join(pg.thread, NULL);
    free(pg.body);
    pg.body = NULL;
}

bool page_handles(const char *url)
{
    return strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0 ||
           strcmp(url, "/cluster.json") == 0;
}

int page_reply(agent_t *a, struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/cluster.json") != 0)
        return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)page_html, true);
    pthread_mutex_lock(&pg.mu);
    pg.asked_ms = mono_ms();
    if (!pg.started && !pg.stop) {
        pg.a = a;
        cond_init_monotonic(&pg.cv);
        pg.started = pthread_create(&pg.thread, NULL, page_worker, NULL) == 0;
        if (!pg.started) log_error("http: cannot start the topology page's worker");
    }
    pthread_cond_broadcast(&pg.cv);
    char *body = pg.body ? strdup(pg.body) : NULL;
    unsigned code = pg.code;
    pthread_mutex_unlock(&pg.mu);
    if (!body) {
        body = strdup("{\"error\":\"reading ZooKeeper for the first time: ask again in a second\"}");
        code = MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    if (!body) abort();
    return respond(c, code, "application/json", body, false);
}
