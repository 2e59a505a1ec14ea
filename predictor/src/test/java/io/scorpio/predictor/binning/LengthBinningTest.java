package io.scorpio.predictor.binning;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LengthBinningTest {

    @Test
    void equalWidthHundredBinsMatchesThePaper() {
        EqualWidthBinning b = new EqualWidthBinning(100);
        assertEquals(82, b.bucketSize());
        assertEquals(0, b.binOf(0));
        assertEquals(0, b.binOf(81));
        assertEquals(1, b.binOf(82));
        assertEquals(99, b.binOf(8191));
        assertEquals(99, b.binOf(8192), "lengths at or past 8192 fall in the last bin");
        assertEquals(99, b.binOf(1_000_000));
        assertEquals(0, b.binOf(-3));
        assertEquals(41, b.predictedLength(0));
        assertEquals(99 * 82 + 41, b.predictedLength(99));
        assertThrows(IllegalArgumentException.class, () -> b.predictedLength(100));
        assertThrows(IllegalArgumentException.class, () -> b.predictedLength(-1));
    }

    @Test
    void equalWidthUsesTheCeilingOfTheBucketSize() {
        EqualWidthBinning thousand = new EqualWidthBinning(1000);
        assertEquals(9, thousand.bucketSize());
        assertEquals(910, thousand.binOf(8191), "with w = 9 the top bins are never reached");
        assertEquals(999 * 9 + 4, thousand.predictedLength(999));
        EqualWidthBinning three = new EqualWidthBinning(3);
        assertEquals(2731, three.bucketSize());
        assertEquals(2, three.binOf(8191));
        assertEquals(1, three.binOf(2731));
        assertEquals(0, three.binOf(2730));
        EqualWidthBinning one = new EqualWidthBinning(1);
        assertEquals(0, one.binOf(8191));
        assertEquals(4096, one.predictedLength(0));
        assertThrows(IllegalArgumentException.class, () -> new EqualWidthBinning(0));
    }

    @Test
    void equalFrequencyBoundariesArePercentilesOfTrainingLengths() {
        EqualFrequencyBinning b = EqualFrequencyBinning.fromTrainingLengths(4, new int[]{50, 10, 40, 20, 30});
        assertArrayEquals(new double[]{0, 20, 30, 40, 8192}, b.boundaries());
        assertEquals(4, b.bins());
        assertEquals(0, b.binOf(19));
        assertEquals(1, b.binOf(20));
        assertEquals(2, b.binOf(39));
        assertEquals(3, b.binOf(40));
        assertEquals(3, b.binOf(9000));
        assertEquals(10, b.predictedLength(0));
        assertEquals(25, b.predictedLength(1));
        assertEquals((40 + 8192) / 2, b.predictedLength(3));
    }

    @Test
    void equalFrequencyInterpolatesAndHandlesRepeatedBoundaries() {
        EqualFrequencyBinning interpolated = EqualFrequencyBinning.fromTrainingLengths(2, new int[]{10, 20, 30, 40});
        assertArrayEquals(new double[]{0, 25, 8192}, interpolated.boundaries());
        EqualFrequencyBinning repeated = EqualFrequencyBinning.fromTrainingLengths(4, new int[]{5, 5, 5, 5, 100});
        assertArrayEquals(new double[]{0, 5, 5, 5, 8192}, repeated.boundaries());
        assertEquals(0, repeated.binOf(4));
        assertEquals(3, repeated.binOf(5), "a length on repeated boundaries goes to the last of them");
        assertEquals(5, repeated.predictedLength(1), "an empty bin predicts its (zero-width) midpoint");
    }

    @Test
    void equalFrequencyRejectsBadBoundaries() {
        assertThrows(IllegalArgumentException.class, () -> new EqualFrequencyBinning(new double[]{1, 10, 8192}));
        assertThrows(IllegalArgumentException.class, () -> new EqualFrequencyBinning(new double[]{0, 10, 4096}));
        assertThrows(IllegalArgumentException.class, () -> new EqualFrequencyBinning(new double[]{0, 10, 5, 8192}));
        assertThrows(IllegalArgumentException.class, () -> new EqualFrequencyBinning(new double[]{0}));
    }
}
