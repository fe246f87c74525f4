//! R-tree over points on the sphere.
//!
//! Points are stored as 3-D unit vectors, so rstar's envelopes and its `distance_2` (the squared
//! chord length) are in the same space, as rstar requires. A great-circle radius becomes a chord
//! radius with [`crate::geodesy::chord_sq_bound`], which errs on the side of returning a point
//! too many: callers apply the exact test.
//!
//! Each point carries a small payload of the caller's (an index, or the few numbers a search
//! needs), so that a query reads everything from the leaf it visits instead of jumping to
//! scattered records.

use rstar::{
    ParentNode, PointDistance, RStarInsertionStrategy, RTree, RTreeNode, RTreeObject, RTreeParams,
    AABB,
};

use crate::geodesy::{chord_sq_bound, chord_sq_to_km, dist_sq, SpherePoint};

/// A point of the index: its unit vector and its payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Leaf<T> {
    pub xyz: [f64; 3],
    pub data: T,
}

impl<T> RTreeObject for Leaf<T> {
    type Envelope = AABB<[f64; 3]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.xyz)
    }
}

impl<T> PointDistance for Leaf<T> {
    fn distance_2(&self, point: &[f64; 3]) -> f64 {
        dist_sq(&self.xyz, point)
    }
}

/// Node sizes for point data queried with small radii (measured in `BENCHMARKS.md`).
pub struct SphereParams;

impl RTreeParams for SphereParams {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 16;
    const REINSERTION_COUNT: usize = 4;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// Points on the sphere, found by great-circle radius.
pub struct SphereIndex<T = u32> {
    tree: RTree<Leaf<T>, SphereParams>,
}

impl<T> SphereIndex<T> {
    /// Bulk-loads points with their payloads.
    pub fn new(points: impl IntoIterator<Item = (SpherePoint, T)>) -> Self {
        let leaves = points
            .into_iter()
            .map(|(p, data)| Leaf {
                xyz: p.unit_vector(),
                data,
            })
            .collect();
        Self::from_leaves(leaves)
    }

    pub fn from_leaves(leaves: Vec<Leaf<T>>) -> Self {
        Self {
            tree: RTree::bulk_load_with_params(leaves),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Calls `f` with every point within (a hair over) `radius_km` of `center` along the great
    /// circle. Callers apply their exact distance test.
    #[inline]
    pub fn for_each_within(&self, center: &[f64; 3], radius_km: f64, mut f: impl FnMut(&T)) {
        if radius_km.is_nan() || radius_km <= 0.0 {
            return;
        }
        let chord_sq = chord_sq_bound(radius_km);
        if chord_sq.is_infinite() {
            for leaf in &self.tree {
                f(&leaf.data);
            }
            return;
        }
        visit_within(
            self.tree.root(),
            center,
            chord_sq,
            &mut |leaf| f(&leaf.data),
        );
    }

    /// Like [`Self::for_each_within`], with the whole leaf (its unit vector too).
    #[inline]
    pub fn for_each_leaf_within<'a>(
        &'a self,
        center: &[f64; 3],
        radius_km: f64,
        mut f: impl FnMut(&'a Leaf<T>),
    ) {
        if radius_km.is_nan() || radius_km <= 0.0 {
            return;
        }
        let chord_sq = chord_sq_bound(radius_km);
        if chord_sq.is_infinite() {
            self.tree.iter().for_each(f);
            return;
        }
        visit_within(self.tree.root(), center, chord_sq, &mut f);
    }

    /// The point nearest to `center`, with its great-circle distance in km.
    pub fn nearest(&self, center: &[f64; 3]) -> Option<(&T, f64)> {
        self.tree
            .nearest_neighbor(*center)
            .map(|leaf| (&leaf.data, chord_sq_to_km(dist_sq(&leaf.xyz, center))))
    }

    /// Every point, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Leaf<T>> {
        self.tree.iter()
    }
}

/// Neighbouring queries of one tree searched with one walk (the one search core of the
/// engine, the screen and every caller of theirs). Queries come in map order within a tree
/// (Morton order), so that each batch is a run of close queries.
pub mod batch {
    use super::{Leaf, SphereIndex};
    use crate::geodesy::{chord_sq_bound, chord_sq_to_km, dist_sq};

    /// A query joins the batch before it while its distance to the batch's first query is at
    /// most this share of the smaller of their reaches: the shared walk then returns few
    /// leaves a member rejects.
    pub const SPREAD: f64 = 0.25;

    /// One query: the tree it searches, where it stands, how far it reaches (great circle).
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Query {
        pub tree: u32,
        pub xyz: [f64; 3],
        pub reach_km: f64,
    }

    /// A run of queries `start..end` searched together; `spread_km` is the farthest member
    /// from the first.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Run {
        pub start: usize,
        pub end: usize,
        pub spread_km: f64,
    }

    /// Splits `queries` (in order) into runs of at most `max_members` neighbours of one tree.
    pub fn runs(queries: impl IntoIterator<Item = Query>, max_members: usize) -> Vec<Run> {
        let mut out: Vec<Run> = Vec::new();
        let mut anchor: Option<Query> = None;
        for (i, q) in queries.into_iter().enumerate() {
            if let (Some(a), Some(run)) = (anchor, out.last_mut()) {
                let gap_km = chord_sq_to_km(dist_sq(&a.xyz, &q.xyz));
                if a.tree == q.tree
                    && run.end - run.start < max_members
                    && gap_km <= SPREAD * q.reach_km.min(a.reach_km)
                {
                    run.end = i + 1;
                    run.spread_km = run.spread_km.max(gap_km);
                    continue;
                }
            }
            anchor = Some(q);
            out.push(Run {
                start: i,
                end: i + 1,
                spread_km: 0.0,
            });
        }
        out
    }

    /// The one walk of a run: every leaf within (a hair over) the largest reach plus the run's
    /// spread of `anchor`, the run's first query, into `found`.
    pub fn walk<'a, T>(
        tree: &'a SphereIndex<T>,
        anchor: &[f64; 3],
        largest_reach_km: f64,
        spread_km: f64,
        found: &mut Vec<&'a Leaf<T>>,
    ) {
        found.clear();
        tree.for_each_leaf_within(anchor, largest_reach_km + spread_km, |leaf| {
            found.push(leaf);
        });
    }

    /// The leaves of a walk within (a hair over) one member's own reach of `xyz`, each with its
    /// squared chord from it (the exact test is the caller's).
    pub fn within<'b, 'a: 'b, T>(
        found: &'b [&'a Leaf<T>],
        xyz: &'b [f64; 3],
        reach_km: f64,
    ) -> impl Iterator<Item = (&'a Leaf<T>, f64)> + 'b {
        let bound = chord_sq_bound(reach_km);
        found.iter().filter_map(move |&leaf| {
            let d_sq = dist_sq(xyz, &leaf.xyz);
            (d_sq <= bound).then_some((leaf, d_sq))
        })
    }
}

/// Every leaf under `node` within `chord_sq` of `center` (rstar's `locate_within_distance`,
/// the same leaves): a node entirely within the radius hands over all its leaves without
/// testing them, which is most of the work for the wide radii of long-distance materials.
fn visit_within<'a, T>(
    node: &'a ParentNode<Leaf<T>>,
    center: &[f64; 3],
    chord_sq: f64,
    f: &mut impl FnMut(&'a Leaf<T>),
) {
    for child in node.children() {
        match child {
            RTreeNode::Leaf(leaf) => {
                if dist_sq(&leaf.xyz, center) <= chord_sq {
                    f(leaf);
                }
            }
            RTreeNode::Parent(parent) => {
                let envelope = parent.envelope();
                let (lower, upper) = (envelope.lower(), envelope.upper());
                let (mut near, mut far) = (0.0, 0.0);
                for k in 0..3 {
                    let below = lower[k] - center[k];
                    let above = center[k] - upper[k];
                    let gap = below.max(above).max(0.0);
                    near += gap * gap;
                    let reach = (center[k] - lower[k])
                        .abs()
                        .max((upper[k] - center[k]).abs());
                    far += reach * reach;
                }
                if near > chord_sq {
                    continue;
                }
                if far <= chord_sq {
                    every_leaf(parent, f);
                } else {
                    visit_within(parent, center, chord_sq, f);
                }
            }
        }
    }
}

fn every_leaf<'a, T>(node: &'a ParentNode<Leaf<T>>, f: &mut impl FnMut(&'a Leaf<T>)) {
    for child in node.children() {
        match child {
            RTreeNode::Leaf(leaf) => f(leaf),
            RTreeNode::Parent(parent) => every_leaf(parent, f),
        }
    }
}

/// A 32-bit Morton (Z-order) key of a position: sorting by it puts points that are close on the
/// map close in memory, so consecutive queries reuse the same tree nodes.
pub fn morton_key(lat_deg: f64, lon_deg: f64) -> u32 {
    let x = (((lon_deg + 180.0) / 360.0).clamp(0.0, 1.0) * 65535.0) as u32;
    let y = (((lat_deg + 90.0) / 180.0).clamp(0.0, 1.0) * 65535.0) as u32;
    spread_bits(x) | (spread_bits(y) << 1)
}

fn spread_bits(v: u32) -> u32 {
    let mut v = v & 0xffff;
    v = (v | (v << 8)) & 0x00ff_00ff;
    v = (v | (v << 4)) & 0x0f0f_0f0f;
    v = (v | (v << 2)) & 0x3333_3333;
    (v | (v << 1)) & 0x5555_5555
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::haversine_km;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn radius_query_matches_brute_force() {
        let mut rng = SmallRng::seed_from_u64(7);
        let pts: Vec<SpherePoint> = (0..3000)
            .map(|_| {
                SpherePoint::from_degrees(
                    rng.random_range(35.0..60.0),
                    rng.random_range(-10.0..30.0),
                )
            })
            .collect();
        let index = SphereIndex::new(pts.iter().enumerate().map(|(i, p)| (*p, i as u32)));
        assert_eq!(index.len(), pts.len());
        for q in 0..200 {
            let center = pts[q * 7];
            let radius_km = rng.random_range(0.0..400.0);
            let mut got = Vec::new();
            index.for_each_within(&center.unit_vector(), radius_km, |&i| {
                if haversine_km(&center, &pts[i as usize]) <= radius_km {
                    got.push(i);
                }
            });
            got.sort_unstable();
            let want: Vec<u32> = (0..pts.len() as u32)
                .filter(|&i| haversine_km(&center, &pts[i as usize]) <= radius_km)
                .collect();
            assert_eq!(got, want, "query {q} radius {radius_km}");
        }
    }

    /// The batched walk finds, for every query, exactly the points within its own reach, on
    /// random queries of several trees, whatever the runs.
    #[test]
    fn batched_walks_find_what_each_query_finds_alone() {
        let mut rng = SmallRng::seed_from_u64(11);
        let trees: Vec<(Vec<SpherePoint>, SphereIndex)> = (0..3)
            .map(|_| {
                let pts: Vec<SpherePoint> = (0..800)
                    .map(|_| {
                        SpherePoint::from_degrees(
                            rng.random_range(45.0..55.0),
                            rng.random_range(0.0..15.0),
                        )
                    })
                    .collect();
                let index = SphereIndex::new(pts.iter().enumerate().map(|(i, p)| (*p, i as u32)));
                (pts, index)
            })
            .collect();
        let mut queries: Vec<(u32, SpherePoint, f64)> = (0..600)
            .map(|_| {
                // Dense, as the sites of a region are: neighbours share walks.
                let p = SpherePoint::from_degrees(
                    rng.random_range(49.0..51.0),
                    rng.random_range(4.0..7.0),
                );
                (rng.random_range(0..3), p, rng.random_range(20.0..300.0))
            })
            .collect();
        queries.sort_by_key(|(t, p, _)| {
            (
                *t,
                morton_key(p.lat_rad.to_degrees(), p.lon_rad.to_degrees()),
            )
        });
        for max_members in [1, 4, 64] {
            let runs = batch::runs(
                queries.iter().map(|&(tree, p, reach_km)| batch::Query {
                    tree,
                    xyz: p.unit_vector(),
                    reach_km,
                }),
                max_members,
            );
            assert!(runs.iter().all(|r| r.end - r.start <= max_members));
            assert_eq!(
                runs.iter().map(|r| r.end - r.start).sum::<usize>(),
                queries.len()
            );
            if max_members == 64 {
                assert!(runs.len() < queries.len() / 2, "{} runs", runs.len());
            }
            let mut found = Vec::new();
            for run in &runs {
                let members = &queries[run.start..run.end];
                assert!(members.iter().all(|q| q.0 == members[0].0));
                let (pts, index) = &trees[members[0].0 as usize];
                let largest = members.iter().map(|q| q.2).fold(0.0, f64::max);
                batch::walk(
                    index,
                    &members[0].1.unit_vector(),
                    largest,
                    run.spread_km,
                    &mut found,
                );
                for &(_, p, reach_km) in members {
                    let xyz = p.unit_vector();
                    let mut got: Vec<u32> = batch::within(&found, &xyz, reach_km)
                        .map(|(leaf, _)| leaf.data)
                        .filter(|&i| haversine_km(&p, &pts[i as usize]) <= reach_km)
                        .collect();
                    got.sort_unstable();
                    let want: Vec<u32> = (0..pts.len() as u32)
                        .filter(|&i| haversine_km(&p, &pts[i as usize]) <= reach_km)
                        .collect();
                    assert_eq!(got, want);
                }
            }
        }
    }

    #[test]
    fn nearest_finds_the_closest_point() {
        let pts = [
            SpherePoint::from_degrees(51.0, 3.7),
            SpherePoint::from_degrees(51.2, 4.4),
            SpherePoint::from_degrees(50.8, 4.3),
        ];
        let index = SphereIndex::new(pts.iter().enumerate().map(|(i, p)| (*p, i as u32)));
        let probe = SpherePoint::from_degrees(51.19, 4.39);
        let (i, km) = index.nearest(&probe.unit_vector()).unwrap();
        assert_eq!(*i, 1);
        assert!((km - haversine_km(&probe, &pts[1])).abs() < 1e-6);
    }

    #[test]
    fn morton_keys_keep_neighbours_together() {
        assert_eq!(morton_key(-90.0, -180.0), 0);
        assert_eq!(morton_key(90.0, 180.0), u32::MAX);
        let a = morton_key(51.0, 3.7);
        let b = morton_key(51.0001, 3.7001);
        let far = morton_key(-33.9, 151.2);
        assert!(a.abs_diff(b) < a.abs_diff(far));
    }
}
