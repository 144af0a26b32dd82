namespace DriftSentinel.Reporting;

/// <summary>
/// report.html's stylesheet and script, inline so the page needs nothing else. The script reads the findings from the
/// page's JSON (field order in <see cref="HtmlReportWriter"/>), filters them in one pass that also counts every facet,
/// and draws one page of rows; it exposes its timings on <c>window.dsReport</c> for the browser tests.
/// </summary>
internal static class HtmlReportAssets
{
    public const string Css = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1400px;padding:1rem 2rem;color:#1b1f24}
        h1{font-size:1.6rem;margin:.2rem 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}h3{margin:1.2rem 0 .3rem}
        nav a{margin-right:1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
        th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word;word-break:break-word}
        th{background:#f6f8fa;white-space:nowrap}table.findings{table-layout:fixed}table.findings th{cursor:pointer;user-select:none}
        th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
        tr.gap td{background:#fff8c5}tr.none td,p.none{color:#57606a;font-style:italic}.gap-note{background:#fff8c5;padding:.3rem .5rem}
        .sub{color:#57606a;font-size:12px}.cards{display:flex;gap:.8rem;flex-wrap:wrap}
        .card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;min-width:6rem;max-width:14rem}.card.warn{background:#fff8c5}
        .card b{display:block;font-size:1.6rem}.card span{color:#57606a}
        .sev-critical td:first-child,.card.sev-critical b{color:#a40e26;font-weight:600}.sev-high td:first-child,.card.sev-high b{color:#d4600a}
        .sev-medium td:first-child,.card.sev-medium b{color:#9a6700}.sev-low td:first-child,.card.sev-low b{color:#0969da}
        tr.suppressed td{color:#6e7781}#grid tbody tr[data-i]{cursor:pointer}#grid tbody tr[data-i]:hover td{background:#f6f8fa}
        tr.detail td{background:#fbfcfd;padding:.6rem 1rem}tr.detail dl{display:grid;grid-template-columns:10rem 1fr;gap:.2rem 1rem;margin:0}
        tr.detail dt{color:#57606a}tr.detail dd{margin:0}ul{margin:0;padding-left:1rem}
        .controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.5rem 0}.controls select,.controls input[type=search]{padding:.3rem;font-size:14px}
        .controls input[type=search]{flex:1 1 18rem}.chip{border:1px solid #d0d7de;border-radius:1rem;padding:.15rem .6rem;white-space:nowrap}
        .chip .n{color:#57606a;margin-left:.3rem}.counts{color:#1b1f24;margin:.3rem 0}.pager{display:flex;gap:.5rem;align-items:center;margin:.5rem 0}
        .pager button,.controls button{padding:.2rem .7rem}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:.5rem 0;flex:1 1 32rem}
        figcaption{font-weight:600;margin-bottom:.3rem}svg.chart{width:100%;max-width:760px;height:auto;font-size:11px;font-family:inherit;display:block}
        .swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.4rem;vertical-align:-1px;border-radius:2px}
        footer{margin-top:2rem;color:#57606a}
        """;

    public const string Script = """
        (function(){'use strict';
        var t0=performance.now(),D=JSON.parse(document.getElementById('ds-data').textContent),t1=performance.now();
        var F=D.f,N=F.length,SEV=['critical','high','medium','low','info'],PAGE=100;
        var R=D.rules,ENV=D.envs,CL=D.clouds,AC=D.accounts,ST=D.statuses;
        var STATUS=[['open','open'],['suppressed','suppressed or accepted'],['new','new since last run'],['reopened','reopened since last run']];
        var st={sev:[1,1,1,1,1],env:-1,cloud:-1,rule:-1,status:'',q:[],key:'',dir:1,page:0,open:{}};
        var hay=null,order=null,view=[],ranks={},facets=null,els={};
        var report=window.dsReport={total:N,shown:0,applyMs:0,readyMs:0,applies:0,scriptStartMs:t0,parseMs:t1-t0};
        function esc(s){return String(s).replace(/[&<>"']/g,function(c){return{'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
        function fmt(n){return n.toLocaleString('en-US');}
        function nat(s){return String(s).toLowerCase().replace(/\d+/g,function(d){d=d.replace(/^0+(?=\d)/,'');return d.length>=20?d:'00000000000000000000'.slice(d.length)+d;});}
        var COL={sev:function(f){return f[0];},status:function(f){return ST[f[8]];},rule:function(f){return R[f[1]][0];},env:function(f){return ENV[f[2]];},
          principal:function(f){return f[5];},message:function(f){return f[6];},last:function(f){return f[12];}};
        function rank(k){
          if(ranks[k])return ranks[k];var r=new Int32Array(N),i;
          if(k==='sev'){for(i=0;i<N;i++)r[i]=F[i][0];return ranks[k]=r;}
          var keys=new Array(N),idx=new Int32Array(N);for(i=0;i<N;i++){keys[i]=k==='last'?F[i][12]:nat(COL[k](F[i]));idx[i]=i;}
          idx.sort(function(a,b){return keys[a]<keys[b]?-1:keys[a]>keys[b]?1:0;});
          var rk=0;for(i=0;i<N;i++){if(i>0&&keys[idx[i]]!==keys[idx[i-1]])rk=i;r[idx[i]]=rk;}
          return ranks[k]=r;}
        function sort(){
          if(!st.key){order=null;return;}
          var r=rank(st.key),d=st.dir,o=new Int32Array(N);for(var i=0;i<N;i++)o[i]=i;
          o.sort(function(a,b){return (r[a]-r[b])*d||a-b;});order=o;}
        function buildHay(){hay=new Array(N);for(var i=0;i<N;i++){var f=F[i];
          hay[i]=[R[f[1]][0],R[f[1]][1],ENV[f[2]],CL[f[3]],AC[f[4]],f[5],f[6],f[7],ST[f[8]],f[10],f[11]].join('\n').toLowerCase();}}
        function statusIs(f,s){return s==='open'?f[9]===0:s==='suppressed'?f[9]===1:f[10]===s;}
        function apply(){
          var t0=performance.now(),q=st.q,nq=q.length,i,n,j;if(nq&&!hay)buildHay();
          var fx={sev:[0,0,0,0,0],env:new Int32Array(ENV.length),cloud:new Int32Array(CL.length),rule:new Int32Array(R.length),status:{open:0,suppressed:0,new:0,reopened:0}};
          var sv=st.sev,e=st.env,c=st.cloud,ru=st.rule,s=st.status,out=[];
          for(n=0;n<N;n++){i=order?order[n]:n;var f=F[i];
            if(nq){var h=hay[i],ok=true;for(j=0;j<nq;j++){if(h.indexOf(q[j])<0){ok=false;break;}}if(!ok)continue;}
            var a=sv[f[0]]?0:1,b=e<0||f[2]===e?0:1,cc=c<0||f[3]===c?0:1,r=ru<0||f[1]===ru?0:1,ss=!s||statusIs(f,s)?0:1,fails=a+b+cc+r+ss;
            if(fails>1)continue;
            if(fails===0)out.push(i);
            if(!b&&!cc&&!r&&!ss)fx.sev[f[0]]++;
            if(!a&&!cc&&!r&&!ss)fx.env[f[2]]++;
            if(!a&&!b&&!r&&!ss)fx.cloud[f[3]]++;
            if(!a&&!b&&!cc&&!ss)fx.rule[f[1]]++;
            if(!a&&!b&&!cc&&!r){if(f[9]===0)fx.status.open++;else fx.status.suppressed++;if(f[10]==='new')fx.status.new++;else if(f[10]==='reopened')fx.status.reopened++;}}
          view=out;facets=fx;render();updateControls();
          report.applyMs=performance.now()-t0;report.applies++;report.shown=view.length;}
        function row(i,f){
          var o=st.open[i]?'true':'false';
          return '<tr data-i="'+i+'" tabindex="0" aria-expanded="'+o+'" class="sev-'+SEV[f[0]]+(f[9]?' suppressed':'')+'"><td>'+SEV[f[0]]+'</td><td>'+esc(ST[f[8]])+(f[10]&&f[10]!==ST[f[8]]?'<div class="sub">'+esc(f[10])+'</div>':'')
            +'</td><td title="'+esc(R[f[1]][1])+'">'+esc(R[f[1]][0])+'</td><td>'+esc(ENV[f[2]])+'<div class="sub">'+esc(CL[f[3]]+' '+AC[f[4]])+'</div></td><td>'+esc(f[5])
            +'</td><td>'+esc(f[6])+(f[7]?'<div class="sub">'+esc(f[7])+'</div>':'')+'</td><td>'+esc(f[12])+'</td></tr>';}
        var DD=null,loading=false;
        function details(){
          if(DD||loading)return DD;var el=document.getElementById('ds-detail');if(!el||document.readyState==='loading')return null;loading=true;
          var bin=atob(el.textContent.trim()),bytes=new Uint8Array(bin.length);for(var k=0;k<bin.length;k++)bytes[k]=bin.charCodeAt(k);
          new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(t){DD=JSON.parse(t).d;report.detailsLoaded=true;render();},
            function(e){report.detailError=String(e);});
          return null;}
        function detail(i,f){
          var x=details(),h='<tr class="detail" data-for="'+i+'"><td colspan="7"><dl><dt>rule</dt><dd>'+esc(R[f[1]][0]+' '+R[f[1]][1])+'<div class="sub">'+esc(R[f[1]][2])+'</div></dd>'
            +'<dt>fingerprint</dt><dd><code>'+esc(f[11])+'</code></dd>';
          if(!x)return h+'<dt>details</dt><dd class="loading">'+(report.detailError?'could not be read ('+esc(report.detailError)+'); findings.json has them':'loading…')+'</dd></dl></td></tr>';
          x=x[i];h+='<dt>seen</dt><dd>first '+esc(x[0]||'unknown')+', last '+esc(f[12]||'unknown')+', '+fmt(x[1])+' record(s)</dd>';
          if(x[3])h+='<dt>history</dt><dd>'+esc(f[10]+' · '+x[3])+'</dd>';
          if(x[2])h+='<dt>exception</dt><dd>'+esc(x[2])+'</dd>';
          var d=x[4],ev=x[5],k;
          if(d.length){h+='<dt>details</dt><dd><ul>';for(k=0;k<d.length;k+=2)h+='<li><i>'+esc(d[k])+'</i>: '+esc(d[k+1])+'</li>';h+='</ul></dd>';}
          h+='<dt>evidence</dt><dd><ul>';for(k=0;k<ev.length;k+=3)h+='<li><i>'+esc(ev[k])+'</i> '+esc(ev[k+1])+(ev[k+2]?' — '+esc(ev[k+2]):'')+'</li>';
          if(x[1]>ev.length/3)h+='<li>'+fmt(x[1])+' records in all</li>';if(!ev.length)h+='<li>none kept</li>';
          return h+'</ul></dd></dl></td></tr>';}
        function render(){
          var pages=Math.max(1,Math.ceil(view.length/PAGE));if(st.page>=pages)st.page=pages-1;
          var start=st.page*PAGE,end=Math.min(view.length,start+PAGE),h=[];
          for(var n=start;n<end;n++){var i=view[n],f=F[i];h.push(row(i,f));if(st.open[i])h.push(detail(i,f));}
          if(!view.length)h.push('<tr class="none"><td colspan="7">'+(N?'None: no finding matches these filters.':'None: this scan found nothing.')+'</td></tr>');
          els.body.innerHTML=h.join('');
          var sev=[0,0,0,0,0],sup=0;for(n=0;n<view.length;n++){var g=F[view[n]];sev[g[0]]++;sup+=g[9];}
          els.counts.textContent=(view.length?'Showing '+fmt(start+1)+'–'+fmt(end)+' of ':'')+fmt(view.length)+' matching finding(s) ('+fmt(N)+' in all): '
            +SEV.map(function(s,k){return fmt(sev[k])+' '+s;}).join(', ')+' · '+fmt(view.length-sup)+' open, '+fmt(sup)+' suppressed';
          els.page.textContent='Page '+fmt(st.page+1)+' of '+fmt(pages);
          els.first.disabled=els.prev.disabled=st.page===0;els.next.disabled=els.last.disabled=st.page>=pages-1;}
        function opt(sel,i,label,n){var o=sel.options[i+1];o.textContent=label+' ('+fmt(n)+')';}
        function updateControls(){
          for(var k=0;k<5;k++)els.sevN[k].textContent=fmt(facets.sev[k]);
          ENV.forEach(function(v,k){opt(els.env,k,v||'(unmapped)',facets.env[k]);});
          CL.forEach(function(v,k){opt(els.cloud,k,v,facets.cloud[k]);});
          R.forEach(function(v,k){opt(els.rule,k,v[0]+' '+v[1],facets.rule[k]);});
          STATUS.forEach(function(v,k){opt(els.status,k,v[1],facets.status[v[0]]);});}
        function select(id,label,items){var h='<label>'+label+' <select id="'+id+'"><option value="-1">all</option>';
          items.forEach(function(v,k){h+='<option value="'+k+'"'+(v[1]?' disabled':'')+'>'+esc(v[0])+'</option>';});return h+'</select></label>';}
        function init(){
          var c=document.getElementById('controls'),h='<span role="group" aria-label="severity">';
          SEV.forEach(function(s,k){h+='<label class="chip sev-'+s+'"><input type="checkbox" data-sev="'+k+'" checked> '+s+'<span class="n"></span></label> ';});
          h+='</span>'+select('f-env','environment',ENV.map(function(v){return[v||'(unmapped)'];}))+select('f-cloud','cloud',CL.map(function(v){return[v];}))
            +select('f-rule','rule',R.map(function(v){return[v[0]];}))+select('f-status','status',STATUS.map(function(v,k){return[v[1],k>1&&!D.history];}))
            +'<input id="filter" type="search" placeholder="Filter by any text: principal, resource, fingerprint, message…" aria-label="Filter findings by text"><button id="f-reset" type="button">Reset</button>';
          c.innerHTML=h;
          els.body=document.querySelector('#grid tbody');els.counts=document.getElementById('counts');
          els.sevN=[].slice.call(c.querySelectorAll('.chip .n'));['env','cloud','rule','status'].forEach(function(k){els[k]=document.getElementById('f-'+k);});
          var p=document.getElementById('pager');
          p.innerHTML='<button type="button" data-p="first">« First</button><button type="button" data-p="prev">‹ Previous</button><span id="page"></span><button type="button" data-p="next">Next ›</button><button type="button" data-p="last">Last »</button>';
          ['first','prev','next','last'].forEach(function(k){els[k]=p.querySelector('[data-p='+k+']');});els.page=document.getElementById('page');
          p.addEventListener('click',function(ev){var b=ev.target.closest('button');if(!b)return;var pages=Math.max(1,Math.ceil(view.length/PAGE)),k=b.getAttribute('data-p');
            st.page=k==='first'?0:k==='prev'?Math.max(0,st.page-1):k==='next'?Math.min(pages-1,st.page+1):pages-1;render();});
          c.addEventListener('change',function(ev){var t=ev.target;
            if(t.hasAttribute('data-sev'))st.sev[+t.getAttribute('data-sev')]=t.checked?1:0;
            else if(t.id==='f-status')st.status=t.value==='-1'?'':STATUS[+t.value][0];
            else if(t.id&&t.id.indexOf('f-')===0)st[t.id.slice(2)]=+t.value;else return;
            st.page=0;apply();});
          var pending=false,text=document.getElementById('filter');
          text.addEventListener('input',function(){if(pending)return;pending=true;requestAnimationFrame(function(){pending=false;
            st.q=text.value.toLowerCase().split(/\s+/).filter(Boolean);st.page=0;apply();});});
          document.getElementById('f-reset').addEventListener('click',function(){st.sev=[1,1,1,1,1];st.env=st.cloud=st.rule=-1;st.status='';st.q=[];st.page=0;text.value='';
            c.querySelectorAll('input[data-sev]').forEach(function(x){x.checked=true;});c.querySelectorAll('select').forEach(function(x){x.value='-1';});apply();});
          document.querySelectorAll('#grid th[data-k]').forEach(function(th){function go(){var k=th.getAttribute('data-k');
              if(st.key===k)st.dir=-st.dir;else{st.key=k;st.dir=1;}
              document.querySelectorAll('#grid th[data-k]').forEach(function(o){o.setAttribute('aria-sort',o===th?(st.dir>0?'ascending':'descending'):'none');});
              sort();st.page=0;apply();}
            th.addEventListener('click',go);th.addEventListener('keydown',function(ev){if(ev.key==='Enter'){ev.preventDefault();go();}});});
          function toggle(tr){var i=+tr.getAttribute('data-i');if(st.open[i])delete st.open[i];else st.open[i]=1;render();
            var again=els.body.querySelector('tr[data-i="'+i+'"]');if(again)again.focus();}
          els.body.addEventListener('click',function(ev){if(window.getSelection&&String(window.getSelection()).length)return;var tr=ev.target.closest('tr[data-i]');if(tr)toggle(tr);});
          els.body.addEventListener('keydown',function(ev){var tr=ev.target.closest('tr[data-i]');if(tr&&(ev.key==='Enter'||ev.key===' ')){ev.preventDefault();toggle(tr);}});
          document.querySelectorAll('a[data-rule]').forEach(function(a){a.addEventListener('click',function(){
            var k=-1;R.forEach(function(v,j){if(v[0]===a.getAttribute('data-rule'))k=j;});st.rule=k;els.rule.value=String(k);st.page=0;apply();});});
          // The details follow this script in the page: rows expanded while they load are drawn again once they are read.
          document.addEventListener('DOMContentLoaded',function(){if(Object.keys(st.open).length)render();});
          apply();report.readyMs=performance.now();document.documentElement.setAttribute('data-ds-ready','1');}
        init();})();
        """;
}
