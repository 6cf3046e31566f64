"""The Pol.is method, as a reference for the benchmark and the tests (not used by the application).

Pol.is fills each missing vote with the statement's mean vote, projects the participants on the first
two principal components (scaled by √(statements / votes cast), so that sparse voters are not all drawn
to the centre), runs k-means for k = 2..max_k and keeps the k with the best silhouette. Participants
with fewer than `min_votes` votes are not clustered; they join the group of the nearest centre."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from minqing.consult.groups import vote_matrix


def polis_groups(votes, *, max_k: int = 6, min_votes: int = 3, seed: int = 0) -> dict:
    """participant -> group (0..k-1) for everyone with at least one agree/disagree vote."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    mx = vote_matrix(votes)
    n, m = len(mx.participants), len(mx.statements)
    if n == 0:
        return {}
    x = np.select([mx.c == 0, mx.c == 1], [1.0, -1.0], 0.0)
    cast = np.bincount(mx.i, minlength=n)
    mean = np.bincount(mx.j, weights=x, minlength=m) / np.maximum(np.bincount(mx.j, minlength=m), 1)
    # mean-filled and centred: the filled cells become 0, the cast ones x − mean
    Y = sparse.csr_matrix((x - mean[mx.j], (mx.i, mx.j)), shape=(n, m)).toarray()
    Y -= Y.mean(axis=0)
    u, s, _ = np.linalg.svd(Y, full_matrices=False)
    P = u[:, :2] * s[:2] * np.sqrt(m / np.maximum(cast, 1))[:, None]
    voted = np.bincount(mx.i[mx.c < 2], minlength=n) > 0
    fit = np.flatnonzero(cast >= min_votes)
    if len(fit) < 3:
        return {mx.participants[i]: 0 for i in np.flatnonzero(voted)}
    best, best_score = None, -2.0
    for k in range(2, min(max_k, len(fit) - 1) + 1):
        km = KMeans(k, n_init=10, random_state=seed).fit(P[fit])
        if len(set(km.labels_)) < 2:
            continue
        score = silhouette_score(P[fit], km.labels_, sample_size=min(len(fit), 3000), random_state=seed)
        if score > best_score:
            best, best_score = km, score
    if best is None:
        return {mx.participants[i]: 0 for i in np.flatnonzero(voted)}
    labels = best.predict(P)
    return {mx.participants[i]: int(labels[i]) for i in np.flatnonzero(voted)}
