#!/usr/bin/python3
"""How the length of a sample presentation biases the Sacramento microcircuit's hidden layer
(docs/dendritic-error.md, "Known limits").

A 5-6-3 rate microcircuit (self-predicting start: W_PI = -W_down, W_IP = W_21; random fixed
top-down; g_som on the output) learns a random 5-4-3 teacher network's regression task through
`apical run`; the script prints the loss 0.5 |v2 - u*|^2 of its feedforward form before and after,
the same for a steady-state model of the same circuit (numpy: the fixed point of the nudged
circuit per trial, the rules' updates times the trial length), and SGD references on the same
samples and order (backprop, feedback alignment, output layer only; --lr per sample, on the
phi'-weighted error as the output rule sees it, and on the plain error).

    bench/microcircuit_presentation.py --trials 4000 --len 10 --eta 0.2 0.5 0.005 --eta10 0.5 --gsom 0.3
    bench/microcircuit_presentation.py --trials 4000 --len 50 --eta 0.04 0.1 0.001 --eta10 0.1 --gsom 0.3
Needs the apical binary (--apical, default build/apical), h5py and numpy.
"""
import sys, numpy as np, h5py, subprocess, argparse
ap=argparse.ArgumentParser()
ap.add_argument('--n', type=int, nargs=3, default=[5,6,3]); ap.add_argument('--trials', type=int, default=2000)
ap.add_argument('--len', type=float, default=10.0); ap.add_argument('--eta', type=float, nargs=3, default=[0.1,0.1,0.1])
ap.add_argument('--std', type=float, default=1.0); ap.add_argument('--gsom', type=float, default=0.8)
ap.add_argument('--sym', action='store_true'); ap.add_argument('--eta10', type=float, default=None); ap.add_argument('--samples', type=int, default=50); ap.add_argument('--lr', type=float, default=0.1)
ap.add_argument('--out', default='/tmp/microcircuit_presentation'); ap.add_argument('--apical', default='build/apical'); ap.add_argument('--seed', type=int, default=1)
a=ap.parse_args()
n0,n1,n2=a.n; rng=np.random.default_rng(a.seed)
g_lk,g_B,g_A,g_D=0.1,1.0,0.8,1.0; a1=g_B/(g_lk+g_B+g_A); a2=g_B/(g_lk+g_B)
ph=lambda u:1/(1+np.exp(-u)); dph=lambda u: ph(u)*(1-ph(u))
T1=rng.uniform(-1,1,(n0,4))*3/np.sqrt(n0); T2=rng.uniform(-1,1,(4,n2))*3/np.sqrt(4)
teach=lambda x: a2*ph(a1*x@T1)@T2
X=rng.uniform(0,1,(a.samples,n0)); U=teach(X)
order=rng.integers(0,a.samples,a.trials)
W10=rng.normal(0,a.std,(n0,n1)); W21=rng.normal(0,a.std,(n1,n2)); Wd=rng.normal(0,a.std,(n2,n1))
if a.sym: Wd=W21.T.copy()
def loss(W10,W21): return 0.5*np.mean(np.sum((a2*ph(a1*X@W10)@W21-U)**2,1))
with h5py.File(a.out+'_d.h5','w') as f:
    f['x']=X[order]; f['t']=ph(U[order])
    for name,M in [('W_10',W10),('W_21',W21),('W_down',Wd),('W_IP',W21),('W_PI',-Wd)]:
        s,t=np.nonzero(np.ones_like(M)); g=f.create_group('edges/'+name); g['source_node_id']=s.astype(np.uint64); g['target_node_id']=t.astype(np.uint64)
        g2=g.create_group('0'); g2['syn_weight']=M[s,t]; g2['delay']=np.full(len(s),0.1)
cfg=f'''[simulation]
dt = 0.1
seed = {a.seed}
[trials]
count = {a.trials}
length = {a.len}
reset = false
[output]
weights = ["W_down", "W_IP", "W_PI"]
[[output.reports]]
population = "P2"
variables = ["v_B_hat", "u"]
interval = {a.len}
[populations.x]
model = "value_generator"
size = {n0}
params = {{ file = "{a.out}_d.h5", dataset = "/x" }}
[populations.tgt]
model = "value_generator"
size = {n2}
params = {{ file = "{a.out}_d.h5", dataset = "/t" }}
[populations.P1]
model = "sacramento_2018_pyramidal"
size = {n1}
params = {{ noise = 0.0 }}
[populations.P2]
model = "sacramento_2018_pyramidal"
size = {n2}
params = {{ apical = false, noise = 0.0, g_som = {a.gsom} }}
[populations.I1]
model = "sacramento_2018_interneuron"
size = {n2}
params = {{ noise = 0.0 }}
'''
def proj(name,src,tgt,rec,rule=None,eta=0,one=False):
    s=f'[projections.{name}]\nsource = "{src}"\ntarget = "{tgt}"\nreceptor = "{rec}"\n'
    s+= 'connectivity = { rule = "one_to_one" }\nweight = 1.0\ndelay = 0.1\n' if one else f'connectivity = {{ rule = "file", file = "{a.out}_d.h5", edges = "{name}" }}\n'
    if rule and eta>0: s+=f'plasticity = {{ rule = "{rule}", eta = {eta} }}\n'
    return s
cfg+=proj('W_10','x','P1','basal.syn','sacramento_2018_basal',a.eta10 if a.eta10 else a.eta[0])
cfg+=proj('W_21','P1','P2','basal.syn','sacramento_2018_basal',a.eta[0])
cfg+=proj('W_down','P2','P1','apical.syn')
cfg+=proj('W_IP','P1','I1','dend.syn','sacramento_2018_interneuron',a.eta[1])
cfg+=proj('W_PI','I1','P1','apical.syn','sacramento_2018_apical',a.eta[2])
cfg+=proj('nudge','P2','I1','soma.nudge',one=True)
cfg+=proj('teacher','tgt','P2','soma.nudge',one=True)
open(a.out+'.toml','w').write(cfg)
subprocess.run([a.apical,'run',a.out+'.toml','-o',a.out+'.h5','-q'],check=True)
f=h5py.File(a.out+'.h5')
def W(g):
    s=g['source_node_id'][:].astype(int); t=g['target_node_id'][:].astype(int); w=g['syn_weight'][:]
    M=np.zeros((s.max()+1,t.max()+1)); M[s,t]=w; return M
V10=W(f['weights/W_10']); V21=W(f['weights/W_21'])
print('loss init %.4f  microcircuit final %.4f'%(loss(W10,W21), loss(V10,V21)))
print('W_IP vs W_21 rel %.3f, W_PI vs -W_down rel %.3f'%(np.linalg.norm(W(f['weights/W_IP'])-V21)/np.linalg.norm(V21), np.linalg.norm(W(f['weights/W_PI'])+Wd)/np.linalg.norm(Wd)))
# backprop SGD on 0.5|v2-u|^2, same sample order
B10,B21=W10.copy(),W21.copy()
for k in order:
    x=X[k]; v1=a1*x@B10; r1=ph(v1); v2=a2*r1@B21; e=v2-U[k]
    g21=a2*np.outer(r1,e); d1=a2*(B21@e)*dph(v1); g10=a1*np.outer(x,d1)
    B21-=a.lr*g21; B10-=a.lr*g10
vb=f['report/P2/data'][1:]; ut=U[order][:len(vb)]; k=len(vb)//10
print('online loss (network v_B_hat at trial end) per tenth:', ' '.join('%.4f'%(0.5*np.mean(np.sum((vb[i*k:(i+1)*k]-ut[i*k:(i+1)*k])**2,1))) for i in range(10)))
print('backprop final %.4f (lr %g)'%(loss(B10,B21),a.lr))
for mode in ['output_only','fa','bp_phi','fa_phi']:
    B10,B21=W10.copy(),W21.copy()
    for k in order:
        x=X[k]; v1=a1*x@B10; r1=ph(v1); v2=a2*r1@B21; e=v2-U[k]
        if 'phi' in mode: e=e*dph(v2)*4
        g21=a2*np.outer(r1,e); d1=a2*((Wd.T if 'fa' in mode else (B21 if 'bp' in mode else 0*B21))@e)*dph(v1); g10=a1*np.outer(x,d1)
        B21-=a.lr*g21; B10-=a.lr*g10
    print(mode,'final %.4f'%loss(B10,B21))
# The steady-state model of the same circuit.
gsI = 0.8
cA = g_A / (g_lk + g_B + g_A)
eta10 = a.eta10 if a.eta10 else a.eta[0]
V10, V21, VIP, VPI = W10.copy(), W21.copy(), W21.copy(), -Wd.copy()
for k in order:
    x, ut = X[k], U[k]
    vA = np.zeros(n1)
    for it in range(200):
        v1h = a1 * x @ V10; u1 = v1h + cA * vA; r1 = ph(u1)
        vB2 = r1 @ V21; v2h = a2 * vB2; u2 = (g_B * vB2 + a.gsom * ut) / (g_lk + g_B + a.gsom)
        vI = r1 @ VIP; vIh = g_D / (g_lk + g_D) * vI; uI = (g_D * vI + gsI * u2) / (g_lk + g_D + gsI)
        vA = 0.5 * vA + 0.5 * (ph(u2) @ Wd + ph(uI) @ VPI)
    V10 += eta10 * a.len * np.outer(x, ph(u1) - ph(v1h)); V21 += a.eta[0] * a.len * np.outer(r1, ph(u2) - ph(v2h))
    VIP += a.eta[1] * a.len * np.outer(r1, ph(uI) - ph(vIh)); VPI += a.eta[2] * a.len * np.outer(ph(uI), -vA)
print('steady-state model of the circuit: final %.4f' % loss(V10, V21))
