import random
w1=[3,7,6,1,8,9,4,5,2]; w2=[5,4,3,2,7,6,5,4,3,2]
def k(ds,w):
    r=11-sum(a*b for a,b in zip(ds,w))%11
    return 0 if r==11 else (None if r==10 else r)
def mk(d,m,y,ind):
    s=f"{d:02d}{m:02d}{y:02d}{ind:03d}"; ds=[int(c) for c in s]
    k1=k(ds,w1)
    if k1 is None: return None
    k2=k(ds+[k1],w2)
    if k2 is None: return None
    return s+f"{k1}{k2}"
random.seed(7); out=[]
for (d,m,y,ind,lbl) in [(12,5+80,48,123,'F tenor'),(3,11+80,39,456,'M tenor'),(24,2+65,51,987,'nhn +65'),(7,9+80,2,555,'born 2002 +80'),(15,6+80,40,200,'tenor'),(29,1+80,35,311,'tenor'),(1,3+65,60,144,'nhn')]:
    for i in range(ind,ind+40):
        r=mk(d,m,y,i)
        if r: out.append((r,lbl)); break
for (d,m,y,ind,lbl) in [(12+40,5+80,48,123,'DNR tenor'),(24+40,2+65,51,987,'DNR nhn')]:
    for i in range(ind,ind+40):
        r=mk(d,m,y,i)
        if r: out.append((r,lbl)); break
for r,l in out: print(r,l)
# orgnr
w=[3,2,7,6,5,4,3,2]
def org(p):
    ds=[int(c) for c in p]; r=11-sum(a*b for a,b in zip(ds,w))%11
    return None if r==10 else p+str(0 if r==11 else r)
for p in ['31222954','99459875','88964078','92100000','97654321','81234567']:
    print('org',org(p))
