package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.Optional;

/**
 * How many leadership changes happened since the publisher's previous run, from the Raft term: every election
 * begins a new term, so the leader's term minus the term recorded last time counts the elections in between, however
 * many fell between two runs (a change the one-minute schedule would miss if it only compared leaders). An election
 * that elects nobody (a split vote) also begins a term: counted too, as the churn it is. The same leader in the same
 * term is 0 and leaves the record as it is. A view read no later than the record's is older news (an overlapping
 * run recorded a newer one): 0, record unchanged, so it can never roll the record back and have a change counted
 * twice. A lower term seen later than the record means the cluster was rebuilt: a new baseline, 0. Without a term
 * (0: not reported), a different leader counts 1.
 */
public final class LeaderChanges {
    private LeaderChanges() {
    }

    /** The leader a run saw and its term. */
    public record Leader(String leaderId, long term, Instant seenAt) {
    }

    /**
     * @param changes the number to publish: empty when there is nothing to compare yet (first run) or no leader now
     * @param record  what to record for the next run (the previous record when no leader was seen)
     */
    public record Count(Optional<Long> changes, Optional<Leader> record) {
    }

    public static Count count(Optional<Leader> previous, Optional<Leader> now) {
        if (now.isEmpty()) {
            return new Count(Optional.empty(), previous);
        }
        Leader current = now.get();
        if (previous.isEmpty()) {
            return new Count(Optional.empty(), now);
        }
        Leader before = previous.get();
        if (!current.seenAt().isAfter(before.seenAt())
                || current.leaderId().equals(before.leaderId()) && current.term() == before.term()) {
            return new Count(Optional.of(0L), previous);
        }
        long changes;
        if (current.term() > 0 && before.term() > 0) {
            if (current.term() < before.term()) {
                changes = 0;
            } else if (current.term() == before.term()) {
                // One leader per term; a different id in the same term is a stale read somewhere: count it once.
                changes = current.leaderId().equals(before.leaderId()) ? 0 : 1;
            } else {
                changes = current.term() - before.term();
            }
        } else {
            changes = current.leaderId().equals(before.leaderId()) ? 0 : 1;
        }
        return new Count(Optional.of(changes), now);
    }

    /** The leader of the view and its term (autopilot's last_term for it), if there is a leader. */
    public static Optional<Leader> of(ClusterSnapshot snapshot) {
        if (snapshot.view().isEmpty() || !snapshot.view().get().leaderPresent()) {
            return Optional.empty();
        }
        ClusterView view = snapshot.view().get();
        Optional<String> id = view.leader().map(RaftPeer::nodeId)
                .or(() -> Optional.of(view.autopilot().leader()).filter(l -> !l.isEmpty()));
        return id.map(leader -> new Leader(leader,
                view.autopilot().server(leader).map(AutopilotServer::lastTerm).orElse(0L),
                snapshot.viewReadAt().orElse(snapshot.healthReadAt())));
    }
}
