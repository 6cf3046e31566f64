"""Opinion groups of a consultation (征求意见), from a sparse vote matrix — a pure function, no Django.

`find_groups(votes)` fits a latent-class model to the votes actually cast: each group g has, for each
statement s, a probability θ[g,s] that a member who agrees or disagrees with s agrees; a participant
belongs to one group and casts each vote independently from that group's θ. Missing votes are not
filled in: they simply do not enter the likelihood; passes do not either (they say "no position").
The model is fitted by variational Bayes (EM with Beta priors centred on each statement's overall
split) from k-means++-style restarts on masked agreement; k (1..max_groups) is the one with the largest
evidence lower bound (ELBO), so k = 1 wins when splitting is not supported by the data.
See docs/consultations.md, "Opinion groups".

Rules: a participant with at least `min_votes` agree/disagree votes is *core* and shapes the model;
one with 1..min_votes-1 such votes is placed afterwards in their most probable group; one with only
passes is `unassigned` (if nobody reaches min_votes, everyone with an agree/disagree vote is core).
Representative statements and consensus are counted over core members only. Every participant gets a
position on the map.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
from scipy import sparse
from scipy.special import digamma, gammaln, logsumexp

AGREE, DISAGREE, PASS = 1, -1, 0
DIRECTIONS = ("agree", "disagree")

PRIOR_STRENGTH = 2.0  # pseudo-votes of a group's agree/disagree split on a statement, as its overall split
NEIGHBOURS = 20  # participants averaged into a seed's centre
PI_PRIOR = 1.0  # Dirichlet prior of the group sizes
RESTARTS = 4  # fits per k, the best ELBO is kept
MAX_ITER = 200
TOL = 1e-7  # relative ELBO change that ends a fit
SUBSAMPLE = 2500  # above this many core participants, k is chosen on a sample of them
CONSENSUS_MIN = 0.6  # every group's smoothed share in the direction must reach this
CONSENSUS_VOTES = 5  # … and the statement must have at least this many agree/disagree votes
REP_Z = 1.645  # one-sided 95%: a representative statement's difference must be significant
REP_MIN_VOTES = 3  # … and the group must have cast at least this many votes on it


@dataclass
class Representative:
    statement: Hashable
    direction: str  # "agree" or "disagree": what this group does more than the rest
    group_share: float  # share of the group's votes on this statement in that direction (0..1)
    other_share: float  # the same share among everyone outside the group
    score: float  # ranking score (higher = more representative)


@dataclass
class Group:
    id: int  # 0..k-1, groups numbered by size, largest first
    members: list  # participant ids
    representative: list[Representative]  # best first, at most `top` items


@dataclass
class Consensus:
    statement: Hashable
    direction: str  # "agree" or "disagree"
    shares: list[float]  # per group (same order as groups), share voting that direction
    votes: int  # number of non-pass votes on it


@dataclass
class Grouping:
    groups: list[Group]
    consensus: list[Consensus]  # best first
    positions: dict  # participant id -> (x, y) floats, 2-D map for display
    unassigned: list  # participants with too few votes to place (may be empty)
    k_scores: dict = field(default_factory=dict)  # k -> score used to choose k (for docs/debug)


def group_of(grouping: Grouping) -> dict:
    """participant -> group id (unassigned participants absent)."""
    return {p: g.id for g in grouping.groups for p in g.members}


# ------------------------------------------------------------------------------------------ input
@dataclass
class Matrix:
    """Votes as indices: participant i, statement j, category c (0 agree, 1 disagree, 2 pass)."""

    participants: list
    statements: list
    i: np.ndarray
    j: np.ndarray
    c: np.ndarray

    def indicators(self, rows: np.ndarray | None = None, passes: bool = False) -> sparse.csr_matrix:
        """n × 2m (3m with passes) 0/1 matrix, column c·m + j; restricted (and renumbered) to `rows` if given."""
        n, m = len(self.participants), len(self.statements)
        keep = self.c < (3 if passes else 2)
        i, col = self.i[keep], (self.c * m + self.j)[keep]
        if rows is not None:
            new = np.full(n, -1, np.int64)
            new[rows] = np.arange(len(rows))
            keep = new[i] >= 0
            i, col, n = new[i[keep]], col[keep], len(rows)
        return sparse.csr_matrix((np.ones(len(i)), (i, col)), shape=(n, (3 if passes else 2) * m))


def vote_matrix(votes) -> Matrix:
    """Index the triples; a later vote by the same participant on the same statement replaces an earlier one."""
    triples = votes if isinstance(votes, list | tuple) else list(votes)
    if not triples:
        return Matrix([], [], *(np.zeros(0, np.int64) for _ in range(3)))
    ps, ss = list(map(itemgetter(0), triples)), list(map(itemgetter(1), triples))
    pidx = {p: n for n, p in enumerate(dict.fromkeys(ps))}  # numbered in order of first appearance
    sidx = {s: n for n, s in enumerate(dict.fromkeys(ss))}
    i = np.fromiter(map(pidx.__getitem__, ps), np.int64, len(ps))
    j = np.fromiter(map(sidx.__getitem__, ss), np.int64, len(ss))
    v = np.asarray(list(map(itemgetter(2), triples)))
    if v.dtype == object or not np.isin(v, (AGREE, DISAGREE, PASS)).all():
        raise ValueError("a vote must be 1 (agree), -1 (disagree) or 0 (pass)")
    key = i * len(sidx) + j
    _, first_rev = np.unique(key[::-1], return_index=True)
    last = np.sort(len(key) - 1 - first_rev)
    c = np.where(v[last] == AGREE, 0, np.where(v[last] == DISAGREE, 1, 2)).astype(np.int64)
    return Matrix(list(pidx), list(sidx), i[last], j[last], c)


# ------------------------------------------------------------------------------------------ model
@dataclass
class Fit:
    k: int
    elbo: float
    R: np.ndarray  # n × k posterior of group membership
    A: np.ndarray  # 2 × m × k Beta parameters of P(agree), P(disagree) given a cast vote
    B: np.ndarray  # k Dirichlet parameters of π


def _prior(X: sparse.csr_matrix, m: int) -> np.ndarray:
    """2 × m × 1 Beta prior of a group's agree/disagree split on each statement: PRIOR_STRENGTH
    pseudo-votes, split as the statement's overall (smoothed) votes."""
    counts = np.asarray(X.sum(axis=0)).reshape(2, m) + 0.5
    return (PRIOR_STRENGTH * counts / counts.sum(axis=0))[:, :, None]


def _expected_log(A: np.ndarray) -> np.ndarray:
    """2m × k expected log probabilities of agree, disagree under the Beta parameters A (2 × m × k)."""
    return (digamma(A) - digamma(A.sum(axis=0))).reshape(-1, A.shape[2])


def _vb(X, XT, a0, R, max_iter=MAX_ITER, tol=TOL) -> Fit:
    """Variational Bayes for the latent-class model, from responsibilities R; returns the fit and its ELBO."""
    m = a0.shape[1]
    n, k = R.shape
    prev = -np.inf
    prior = a0 + np.zeros((1, 1, k))
    for _ in range(max_iter):
        A = prior + (XT @ R).reshape(2, m, k)
        B = PI_PRIOR + R.sum(axis=0)
        L = X @ _expected_log(A) + (digamma(B) - digamma(B.sum()))
        norm = logsumexp(L, axis=1)
        R = np.exp(L - norm[:, None])
        elbo = norm.sum() - _kl_dirichlet(A, prior) - _kl_dirichlet(B, np.full(k, PI_PRIOR))
        if elbo - prev <= tol * abs(elbo):
            break
        prev = elbo
    return Fit(k, float(elbo), R, A, B)


def _kl_dirichlet(a, b, axis=0) -> float:
    """Σ KL(Dir(a) ‖ Dir(b)) over all Dirichlets laid along `axis`."""
    sa, sb = a.sum(axis=axis), b.sum(axis=axis)
    kl = gammaln(sa) - gammaln(sb) - (gammaln(a) - gammaln(b)).sum(axis=axis)
    kl = kl + ((a - b) * (digamma(a) - np.expand_dims(digamma(sa), axis))).sum(axis=axis)
    return float(np.sum(kl))


def _seed_responsibilities(S, B, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ on masked agreement with denoised centres.

    S is the ±1 matrix (passes 0), B = |S|. A seed is drawn among the more active participants (the
    next ones with probability ∝ (1 − similarity to the closest centre)²); its centre is the mean vote
    of its NEIGHBOURS most similar participants (agreement on the statements both voted on, shrunk); a
    participant's similarity to a centre is their mean agreement with it over their own votes."""
    n = S.shape[0]
    active = np.asarray(B.sum(axis=1)).ravel()
    pool = np.flatnonzero(active >= np.median(active))
    near = max(3, min(n // (4 * k), NEIGHBOURS))
    sims = np.empty((n, k))
    for g in range(k):
        if g == 0:
            c = rng.choice(pool)
        else:
            d = np.clip(1.0 - sims[pool, :g].max(axis=1), 0, None)
            w = d * d
            c = pool[rng.choice(len(pool), p=w / w.sum())] if w.sum() > 0 else rng.choice(pool)
        row = S[c].toarray().ravel()
        pair = (S @ row) / (B @ np.abs(row) + 2.0)
        nb = np.argpartition(-pair, near - 1)[:near]
        centre = np.asarray(S[nb].sum(axis=0)).ravel() / (np.asarray(B[nb].sum(axis=0)).ravel() + 1.0)
        sims[:, g] = (S @ centre) / (active + 1.0)
    best = np.argmax(sims + 1e-9 * rng.random((n, k)), axis=1)
    R = np.full((n, k), 0.02 / max(k - 1, 1))
    R[np.arange(n), best] = 0.98 if k > 1 else 1.0
    return R


def _fit_k(X, XT, S, B, a0, k, restarts, rng) -> Fit:
    if k == 1:
        return _vb(X, XT, a0, np.ones((X.shape[0], 1)))
    fits = [_vb(X, XT, a0, _seed_responsibilities(S, B, k, rng)) for _ in range(restarts)]
    return max(fits, key=lambda f: f.elbo)


def _signed(X: sparse.csr_matrix, m: int):
    S = X[:, :m] - X[:, m : 2 * m]
    return S.tocsr(), abs(S).tocsr()


def fit_model(X: sparse.csr_matrix, m: int, max_groups: int, rng: np.random.Generator):
    """Choose k by ELBO (on a sample of rows when there are many) and fit it on all rows."""
    n = X.shape[0]
    a0 = _prior(X, m)
    sample = np.sort(rng.choice(n, SUBSAMPLE, replace=False)) if n > SUBSAMPLE else None
    Xs = X[sample] if sample is not None else X
    XTs, (S, B) = Xs.T.tocsr(), _signed(Xs, m)
    scores, fits = {}, {}
    restarts = RESTARTS if n <= SUBSAMPLE else max(2, RESTARTS // 2)
    for k in range(1, min(max_groups, Xs.shape[0]) + 1):
        fits[k] = _fit_k(Xs, XTs, S, B, a0, k, restarts, rng)
        scores[k] = fits[k].elbo
        if k >= 3 and scores[k] < scores[k - 1] and scores[k - 1] < scores[k - 2]:
            break  # two steps down: more groups will not help
    best = max(scores, key=scores.get)
    fit = fits[best]
    if sample is not None:  # one E-step from the sample's θ, then refine on everyone
        R = posterior(fit, X)
        fit = _vb(X, X.T.tocsr(), a0, R, max_iter=50, tol=1e-6)
    return fit, scores


def posterior(fit: Fit, X: sparse.csr_matrix) -> np.ndarray:
    """Group membership probabilities of (other) participants under a fitted model."""
    L = X @ _expected_log(fit.A) + (digamma(fit.B) - digamma(fit.B.sum()))
    return np.exp(L - logsumexp(L, axis=1)[:, None])


# ------------------------------------------------------------------------------------------ output
def _shares(C: np.ndarray):
    """From 3 × m × k vote counts: smoothed agree and disagree shares (n_d + 1) / (n + 2), n incl. passes."""
    n = C.sum(axis=0)
    return (C[0] + 1) / (n + 2), (C[1] + 1) / (n + 2), n


def representatives(C: np.ndarray, statements: list, top: int) -> list[list[Representative]]:
    """Per group, the statements where its agree (or disagree) share most exceeds everyone else's.

    share_g = (n_g,d + 1)/(n_g + 2) and share_o likewise over the other groups' core members; a
    statement qualifies if the group cast ≥ REP_MIN_VOTES votes on it and the two-proportion z ≥ REP_Z;
    score = share_g · share_g / share_o (Pol.is' "repness": how much more, times how much)."""
    k = C.shape[2]
    if k < 2:
        return [[]]
    total = C.sum(axis=2, keepdims=True)
    out = []
    for g in range(k):
        mine, rest = C[:, :, g], (total[:, :, 0] - C[:, :, g])
        ng, no = mine.sum(axis=0), rest.sum(axis=0)
        best: dict[int, Representative] = {}
        for d, direction in enumerate(DIRECTIONS):
            pg, po = (mine[d] + 1) / (ng + 2), (rest[d] + 1) / (no + 2)
            pool = (mine[d] + rest[d] + 2) / (ng + no + 4)
            z = (pg - po) / np.sqrt(pool * (1 - pool) * (1 / (ng + 2) + 1 / (no + 2)))
            score = pg * pg / po
            for j in np.flatnonzero((ng >= REP_MIN_VOTES) & (z >= REP_Z)):
                if j not in best or score[j] > best[j].score:
                    best[j] = Representative(statements[j], direction, float(pg[j]), float(po[j]), float(score[j]))
        out.append(sorted(best.values(), key=lambda r: -r.score)[:top])
    return out


def consensus(C: np.ndarray, nonpass: np.ndarray, statements: list) -> list[Consensus]:
    """Statements on which every group leans the same way: min over groups of the smoothed share ≥ 0.6,
    with at least CONSENSUS_VOTES agree/disagree votes in all; best (highest minimum share) first."""
    agree, disagree, _ = _shares(C)
    found = []
    for shares, direction in ((agree, "agree"), (disagree, "disagree")):
        low = shares.min(axis=1)
        for j in np.flatnonzero((low >= CONSENSUS_MIN) & (nonpass >= CONSENSUS_VOTES)):
            found.append((float(low[j]), int(nonpass[j]), j, direction, shares[j]))
    found.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return [Consensus(statements[j], d, [float(x) for x in sh], votes) for _, votes, j, d, sh in found]


def _orth(W: np.ndarray) -> np.ndarray:
    """An orthonormal basis of W's columns (through the small Gram matrix: tall W, cheap)."""
    w, V = np.linalg.eigh(W.T @ W)
    keep = w > w.max() * 1e-10 if w.max() > 0 else np.zeros(len(w), bool)
    return W @ (V[:, keep] / np.sqrt(w[keep])) if keep.any() else W[:, :1] * 0


def _positions(mx: Matrix, R: np.ndarray, E: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """2-D PCA of the vote matrix with each missing vote filled by the participant's expected vote
    (posterior R · group means E, k × m). Y = R·E + D, D sparse on the cast votes; randomized SVD."""
    n, m = R.shape[0], E.shape[1]
    x = np.select([mx.c == 0, mx.c == 1], [1.0, -1.0], 0.0)
    D = sparse.csr_matrix((x - np.einsum("ij,ij->i", R[mx.i], E[:, mx.j].T), (mx.i, mx.j)), shape=(n, m))
    mu = R.mean(axis=0) @ E + np.asarray(D.mean(axis=0)).ravel()

    def right(W):  # Yc @ W
        return R @ (E @ W) + D @ W - mu @ W

    def left(U):  # Yc.T @ U
        return E.T @ (R.T @ U) + D.T @ U - np.outer(mu, U.sum(axis=0))

    Q = _orth(right(rng.standard_normal((m, min(m, 8)))))
    for _ in range(3):
        Q = _orth(right(_orth(left(Q))))
    u, s, vt = np.linalg.svd(left(Q).T, full_matrices=False)
    coords = (Q @ u[:, :2]) * s[:2]
    flip = np.sign(vt[np.arange(vt[:2].shape[0]), np.abs(vt[:2]).argmax(axis=1)])
    coords = coords * flip
    return np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))


def find_groups(votes, *, max_groups: int = 6, min_votes: int = 3, top: int = 5, seed: int = 0) -> Grouping:
    """votes: iterable of (participant, statement, value) with value in {1, -1, 0}; a later triple for the
    same (participant, statement) replaces an earlier one. Deterministic for a given seed."""
    mx = vote_matrix(votes)
    n, m = len(mx.participants), len(mx.statements)
    nonpass_p = np.bincount(mx.i[mx.c < 2], minlength=n)
    if not (nonpass_p > 0).any():
        return Grouping([], [], {p: (0.0, 0.0) for p in mx.participants}, list(mx.participants), {})
    rng = np.random.default_rng(seed)
    core = np.flatnonzero(nonpass_p >= min_votes)
    if len(core) == 0:  # nobody reaches min_votes: fit on everyone who agreed or disagreed at all
        core = np.flatnonzero(nonpass_p > 0)
    fit, scores = fit_model(mx.indicators(core), m, max(1, max_groups), rng)
    X = mx.indicators()
    R = posterior(fit, X)
    R[core] = fit.R
    R[nonpass_p == 0] = fit.B / fit.B.sum()
    label = np.argmax(R, axis=1)
    label[nonpass_p == 0] = -1
    # groups by size, largest first; groups left empty are dropped
    sizes = np.bincount(label[label >= 0], minlength=fit.k)
    order = [g for g in sorted(range(fit.k), key=lambda g: (-sizes[g], g)) if sizes[g] > 0]
    newid = np.full(fit.k + 1, -1)
    newid[order] = np.arange(len(order))
    label = newid[label]
    onehot = np.zeros((n, len(order)))
    is_core = np.zeros(n, bool)
    is_core[core] = True
    onehot[np.flatnonzero(is_core), label[is_core]] = 1.0
    C = (mx.indicators(passes=True).T @ onehot).reshape(3, m, len(order))
    reps = representatives(C, mx.statements, top)
    nonpass_s = np.bincount(mx.j[mx.c < 2], minlength=m)
    theta = fit.A[..., order] / fit.A[..., order].sum(axis=0)
    xy = _positions(mx, R[:, order], (theta[0] - theta[1]).T, rng)
    groups = [Group(g, [mx.participants[i] for i in np.flatnonzero(label == g)], reps[g]) for g in range(len(order))]
    return Grouping(
        groups=groups,
        consensus=consensus(C, nonpass_s, mx.statements),
        positions={p: (float(xy[i, 0]), float(xy[i, 1])) for i, p in enumerate(mx.participants)},
        unassigned=[mx.participants[i] for i in np.flatnonzero(label < 0)],
        k_scores={k: float(s) for k, s in scores.items()},
    )
